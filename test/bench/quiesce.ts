// Runs the built quiesce CLI (dist/boot.cjs, through init/quiesce) with the YAML equivalent of master's cyrus.conf.
//
// Same imapd command, same listen address, same prefork, same backlog (`listen_backlog`); every
// other setting is quiesce's default (pdeathsig included: the fork server sets it itself, then
// execs imapd). The JSON log goes to a file, as a production instance would, so that
// reading it costs the benchmark nothing while it measures.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { imapCommand } from './master.js';
import { Supervised, type ServiceSpec } from './supervisor.js';

/** The repository root, found from this file (test/bench/ in the sources, <out>/test/bench/ when built). */
export function repoRoot(): string {
  for (let url = new URL('.', import.meta.url); ; url = new URL('..', url)) {
    const dir = fileURLToPath(url);
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    if (dir === '/') throw new Error('cannot find the repository root');
  }
}

/** The CLI under test (built), and the command that runs it as an administrator does: init/quiesce, with its Node flags. */
export const QUIESCE_CLI = join(repoRoot(), 'dist/boot.cjs');
export const QUIESCE_COMMAND = join(repoRoot(), 'init/quiesce');

/** Starts quiesce for `spec` with its files in `dir`. */
export function startQuiesce(dir: string, imapdConf: string, spec: ServiceSpec): Supervised {
  mkdirSync(dir, { recursive: true });
  const yaml = join(dir, 'quiesce.yaml');
  const logFile = join(dir, 'quiesce.log');
  writeFileSync(yaml, [
    `SUPERVISOR: { pidfile: "${join(dir, 'quiesce.pid')}", log_file: "${logFile}", listen_backlog: ${spec.backlog} }`,
    'SERVICES:',
    `  imap: { cmd: "${imapCommand(imapdConf)}", listen: "127.0.0.1:${spec.port}", prefork: ${spec.prefork} }`,
    '',
  ].join('\n'));
  // The same Node as the benchmark's; BENCH_NODE_OPTIONS: Node flags for quiesce only (a profile:
  // `--cpu-prof --cpu-prof-dir=/tmp/prof`), given on Node's command line by a wrapper that
  // init/quiesce runs as its Node, since Node refuses --cpu-prof in NODE_OPTIONS.
  const env: Record<string, string> = { QUIESCE_NODE: process.execPath };
  const flags = process.env.BENCH_NODE_OPTIONS;
  if (flags) {
    const wrapper = join(dir, 'node-with-flags');
    writeFileSync(wrapper, `#!/bin/sh\nexec '${process.execPath}' ${flags} "$@"\n`, { mode: 0o755 });
    env.QUIESCE_NODE = wrapper;
  }
  return new Supervised('quiesce', [QUIESCE_COMMAND, 'run', '-c', yaml, '--log-format', 'json'], spec.port, logFile, env);
}
