// `quiesce set-option -C IMAPD.CONF KEY VALUE`: sets one imapd.conf option, the way `quiesce swap`
// flips `replicaonly` on each side (through the side's command prefix, e.g. ssh). Only an option
// the installed Cyrus knows is written (`cyr_info -C FILE conf-all` lists it): `replicaonly` came
// with Cyrus 3.12, and an option an older Cyrus does not know would only be a warning in its log.
//
// Exit 0 = set (or already so), 5 = this Cyrus does not know the option (file unchanged),
// 66 = the file cannot be read, 73 = it cannot be written, 64 = bad arguments.
import { execFile } from 'node:child_process';
import { chmod, chown, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DEFAULTS } from '../defaults.js';
import { SET_OPTION_EXIT } from '../exit-codes.js';


/** `text` with `key: value`: the last line that sets `key` replaced, else the line appended (pure). */
export function withOption(text: string, key: string, value: string): string {
  const lines = text.split('\n');
  const setsKey = (l: string): boolean => new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:`).test(l);
  const at = lines.map(setsKey).lastIndexOf(true);
  if (at >= 0) lines[at] = `${key}: ${value}`;
  else {
    if (lines[lines.length - 1] === '') lines.pop();
    lines.push(`${key}: ${value}`, '');
  }
  return lines.join('\n');
}

/** Whether the Cyrus installed here knows `key` (cyr_info lists every option it knows with its value). */
export function cyrusKnows(file: string, key: string, cyrInfo = `${DEFAULTS.binDir}/cyr_info`): Promise<boolean | string> {
  return new Promise((resolve) => {
    execFile(cyrInfo, ['-C', file, 'conf-all'], { timeout: 30_000, maxBuffer: 8 << 20 }, (error, out) => {
      if (error !== null && out === '') resolve(`${cyrInfo}: ${error.message}`);
      else resolve(out.split('\n').some((l) => l.startsWith(`${key}:`)));
    });
  });
}

/** Runs the subcommand; resolves with its exit code. */
export async function setOption(file: string, key: string, value: string, out: (line: string) => void, cyrInfo?: string): Promise<number> {
  if (!/^[a-z0-9_-]+$/i.test(key) || value.includes('\n')) {
    out(`quiesce set-option: expected an option name and a one-line value, got \`${key}\` \`${value}\``);
    return SET_OPTION_EXIT.usage;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    out(`quiesce set-option: cannot read ${file}: ${(e as Error).message}`);
    return SET_OPTION_EXIT.noInput;
  }
  const known = await cyrusKnows(file, key, cyrInfo);
  if (known !== true) {
    out(`${file}: ${key} not set: ${known === false ? 'this Cyrus does not know the option (cyr_info conf-all does not list it)' : known}`);
    return SET_OPTION_EXIT.unknown;
  }
  const next = withOption(text, key, value);
  if (next === text) {
    out(`${file}: ${key}: ${value} (already)`);
    return SET_OPTION_EXIT.set;
  }
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const before = await stat(file);
    const fh = await open(tmp, 'wx', before.mode & 0o7777);
    try {
      await fh.writeFile(next);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chown(tmp, before.uid, before.gid);
    await chmod(tmp, before.mode & 0o7777);
    await rename(tmp, file); // a reader sees the old file or the new one
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    out(`quiesce set-option: cannot write ${file}: ${(e as Error).message}`);
    return SET_OPTION_EXIT.cannotCreate;
  }
  out(`${file}: ${key}: ${value}`);
  return SET_OPTION_EXIT.set;
}
