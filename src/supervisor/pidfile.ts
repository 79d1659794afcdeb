// The pidfile: written at start, refused when a live quiesce holds it, removed at exit.
//
// Node has no flock(2). The file is created with O_EXCL; when it exists, the pid inside is checked:
// a live process whose command line mentions quiesce holds it, anything else is stale and replaced.
// A symbolic link at the path is refused, never followed (as Cyrus master does since 3.8.6).
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../errors.js';

/** A pidfile held by this process. */
export interface PidfileLock {
  readonly path: string;
  /** The pid a stale pidfile named: a quiesce on this config that died without cleaning up. */
  readonly previousPid: number | undefined;
  release(): void;
}

/** The pid written in a pidfile. */
function pidIn(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('quiesce') || cmdline.includes('boot.cjs') || cmdline.includes('cli.js') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the pidfile, or says who holds it. */
export function acquirePidfile(path: string): Result<PidfileLock, string> {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    return err(`cannot create the directory of pidfile ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    if (lstatSync(path).isSymbolicLink()) return err(`pidfile ${path} is a symbolic link (refused, not followed)`);
  } catch {
    // absent: created below
  }
  let previousPid: number | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') return err(`cannot create pidfile ${path}: ${code ?? String(e)}`);
      const holder = holderOf(path);
      if (holder !== undefined) return err(`pidfile ${path} is held by a running quiesce (pid ${holder}); is another instance running on this config?`);
      previousPid ??= pidIn(path);
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // raced with another starter; the next attempt decides
      }
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return ok({
      path,
      previousPid,
      release: () => {
        try {
          if (Number(readFileSync(path, 'utf8').trim()) === process.pid) unlinkSync(path);
        } catch {
          // already gone
        }
      },
    });
  }
  return err(`pidfile ${path} is being taken by another process`);
}
