// Runs the real Cyrus master on a one-service cyrus.conf: `master -C imapd.conf -M cyrus.conf -p pidfile -l backlog`.
//
// Started as root, in the foreground (no -d), in its own session (on SIGTERM/SIGQUIT master does
// kill(0, SIGTERM): its whole process group). It binds, then drops to the cyrus user itself.
// Cyrus logs only to syslog; -L keeps its stdout/stderr in a file for error messages.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Supervised, type ServiceSpec } from './supervisor.js';

/** Debian's master and imapd. */
export const CYRUS_MASTER = '/usr/lib/cyrus/bin/master';

/** The cyrus.conf SERVICES line both supervisors run (quiesce gets the same entry in YAML). */
export function imapCommand(imapdConf: string): string {
  return `imapd -C ${imapdConf}`;
}

/** Starts master for `spec` with its files in `dir` (made and chowned to cyrus here). */
export function startMaster(dir: string, imapdConf: string, spec: ServiceSpec): Supervised {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'cyrus.conf');
  writeFileSync(conf, `SERVICES {\n  imap cmd="${imapCommand(imapdConf)}" listen="127.0.0.1:${spec.port}" prefork=${spec.prefork}\n}\n`);
  execFileSync('chown', ['-R', 'cyrus:mail', dir]);
  const stderrFile = join(dir, 'master.stderr');
  const argv = [CYRUS_MASTER, '-C', imapdConf, '-M', conf, '-p', join(dir, 'master.pid'), '-l', String(spec.backlog), '-L', stderrFile];
  return new Supervised('master', argv, spec.port, stderrFile);
}
