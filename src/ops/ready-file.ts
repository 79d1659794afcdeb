// Master's ready file (Cyrus 3.10 `master_ready_file`): created once the instance is ready (START
// done, the wait daemons up, every service listening), removed once its shutdown has finished
// (3.12), so tooling can wait for it to appear, and to disappear. Opened without following a
// symbolic link (Cyrus 3.8.6+), created fsynced, mode 0644.
import { closeSync, constants, fsyncSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from '../errors.js';

const codeOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** Creates (or truncates) the ready file; a symbolic link at its path is refused (ELOOP). */
export function createReadyFile(path: string): Result<void, string> {
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return ok(undefined);
  } catch (e) {
    const code = codeOf(e);
    return err(`cannot create the ready file ${path}: ${code === 'ELOOP' ? 'it is a symbolic link (refused)' : code}`);
  }
}

/** Removes the ready file (gone already: fine). */
export function removeReadyFile(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // a directory or a permission problem: nothing more to do at exit
  }
}
