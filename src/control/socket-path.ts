// Where an instance's control socket lives: next to its pidfile.
import { basename, dirname, join } from 'node:path';

/** `/run/quiesce/cyrus.pid` -> `/run/quiesce/cyrus.sock`; a pidfile without `.pid` gets `.sock` appended. */
export function defaultSocketPath(pidfile: string): string {
  const base = basename(pidfile);
  const stem = base.endsWith('.pid') ? base.slice(0, -'.pid'.length) : base;
  return join(dirname(pidfile), `${stem}.sock`);
}
