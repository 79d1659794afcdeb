// argv[0] -> the absolute path of the program that will run, as Cyrus master looked it up.
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { findInPath } from '../path-search.js';
import { err, ok, type Result } from '../errors.js';
import type { SupervisorSettings } from './types.js';
import { quoted } from './describe.js';

type Found = 'file' | 'missing' | 'not-a-file' | 'not-executable';

function probe(path: string): Found {
  try {
    if (!statSync(path).isFile()) return 'not-a-file';
  } catch {
    return 'missing';
  }
  try {
    accessSync(path, constants.X_OK);
    return 'file';
  } catch {
    return 'not-executable';
  }
}

/**
 * Resolves argv[0]: an absolute path must be an executable file; a relative one is looked up in
 * bin_dir, then in each PATH directory. When `strict` is false (config checked on a machine
 * without Cyrus), a program found nowhere is assumed to be in bin_dir instead of being an error.
 *
 * `-C <cyrus_config>`: when SUPERVISOR.cyrus_config is set, a program found in bin_dir is a Cyrus
 * program, and one whose argv has no `-C` of its own gets `-C <cyrus_config>` right after argv[0],
 * so every Cyrus child of this instance reads the same imapd.conf. Other programs (absolute paths
 * such as Debian's /usr/sbin/cyrus wrapper, anything found in PATH) are left alone: they may not
 * take a -C option at all.
 */
export function resolveArgv(words: readonly string[], settings: SupervisorSettings, pathEnv: string | undefined, strict: boolean): Result<string[], string> {
  const [program, ...args] = words;
  if (program === undefined) return err('expected a command, got an empty string');
  if (isAbsolute(program)) {
    const found = probe(program);
    if (found === 'file' || !strict) return ok([program, ...args]);
    if (found === 'missing') return err(`executable ${quoted(program)} not found`);
    return err(`${quoted(program)} is ${found === 'not-a-file' ? 'not a file' : 'not executable'}`);
  }
  const inBinDir = join(settings.binDir, program);
  // Relative PATH entries (`.`, empty) would make argv[0] depend on the cwd at spawn time: skipped.
  const inPath = findInPath(program, pathEnv, (p) => probe(p) === 'file');
  if (probe(inBinDir) === 'file' || (!strict && inPath === undefined)) return ok(withCyrusConfig([inBinDir, ...args], settings));
  if (inPath !== undefined) return ok([inPath, ...args]);
  return err(`executable ${quoted(program)} not found in ${settings.binDir} or PATH`);
}

function withCyrusConfig(argv: string[], settings: SupervisorSettings): string[] {
  if (settings.cyrusConfig === undefined || argv.includes('-C')) return argv;
  const [program, ...args] = argv;
  return [program as string, '-C', settings.cyrusConfig, ...args];
}
