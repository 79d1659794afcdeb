// The soft-failover stop: a replication master stopped right after a burst of LMTP deliveries, to
// the moment a failover is safe (everything acknowledged is on the replica).
//
// Two real instances (the e2e pair: A the master with a rolling `sync_client -r`, B the replica
// under quiesce for both runs). quiesce: SIGQUIT to A's quiesce, until it exits; its exit 0 is its
// own proof that nothing is left to replicate. Cyrus master has no such stop; the stock workaround
// is timed instead: SIGTERM to master (writers and sync_client end at once), then one
// `sync_client -r -f` over each sync log file left (log-run first, then log). Either way the
// replica's INBOX is then counted over IMAP.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ImapClient } from '../../e2e/harness/imap-client.js';
import { deliverUntil, messageIdsOf } from '../../e2e/harness/mail-load.js';
import { createPair, type Pair } from '../../e2e/harness/pair.js';
import { CYRUS_MASTER } from '../master.js';
import { isListening } from '../proc.js';
import { QUIESCE_CLI, QUIESCE_COMMAND } from '../quiesce.js';
import { endSupervisor, interleave, track, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { summarize } from '../stats.js';
import { Supervised, within, type Kind } from '../supervisor.js';
import type { Row, Section } from '../table.js';

const run = promisify(execFile);
const SYNC_CLIENT = '/usr/lib/cyrus/bin/sync_client';

/** One stop. */
interface FailoverRun {
  /** Signal -> safe to fail over (quiesce exited 0; master's workaround finished), ms. */
  readonly ms: number;
  readonly acknowledged: number;
  readonly onReplica: number;
  readonly outcome: string;
}

async function waitListening(ports: readonly number[], sup: Supervised, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!ports.every(isListening)) {
    if (!sup.running || performance.now() - t0 > timeoutMs) throw new Error(`${sup.kind} did not listen on ${ports.join(', ')}:\n${sup.diagnostics()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startSupervised(kind: Kind, argv: readonly string[], port: number, logFile: string): Supervised {
  return track(new Supervised(kind, argv, port, logFile, { QUIESCE_NODE: process.execPath }));
}

/** Cyrus master as A: the pair's master role as a cyrus.conf. */
function startCyrusMaster(dir: string, pair: Pair): Supervised {
  const a = pair.a;
  const conf = join(dir, 'cyrus.conf');
  // master does not pass its -C on to its children: each command names the imapd.conf itself
  const c = `-C ${a.masterConf}`;
  writeFileSync(conf, [
    'START {', `  recover cmd="ctl_cyrusdb ${c} -r"`, '}',
    'SERVICES {', `  imap cmd="imapd ${c}" listen="127.0.0.1:${a.imapPort}" prefork=1`, `  lmtp cmd="lmtpd ${c} -a" listen="127.0.0.1:${a.lmtpPort}" prefork=1`, '}',
    'DAEMON {', `  syncclient cmd="sync_client ${c} -r"`, '}', '',
  ].join('\n'));
  execFileSync('chown', ['cyrus:mail', conf]);
  const stderrFile = join(dir, 'master.stderr');
  return startSupervised('master', [CYRUS_MASTER, '-C', a.masterConf, '-M', conf, '-p', join(dir, 'master.pid'), '-L', stderrFile], a.imapPort, stderrFile);
}

/** The stock workaround after master stopped: one sync_client pass over each sync log file left. */
async function flushByHand(pair: Pair): Promise<void> {
  const syncDir = join(pair.a.cyrus.confDir, 'sync');
  for (const file of ['log-run', 'log']) {
    const path = join(syncDir, file);
    if (existsSync(path)) await run(SYNC_CLIENT, ['-C', pair.a.masterConf, '-r', '-f', path], { timeout: 60_000 });
  }
}

async function oneStop(ctx: BenchContext, kind: Kind, s: Settings['failover']): Promise<FailoverRun> {
  const dir = mkdtempSync(join(tmpdir(), 'qbench-failover-'));
  // A's log goes to a file, as a production instance's would
  const pair = await createPair(dir, { cli: QUIESCE_CLI, masterSupervisor: [`log_file: ${join(dir, 'a.log')}`] });
  const started: Supervised[] = [];
  try {
    const b = startSupervised('quiesce', [QUIESCE_COMMAND, 'run', '-c', pair.b.asReplica, '--log-format', 'json'], pair.b.syncPort, join(dir, 'b.log'));
    started.push(b);
    await waitListening([pair.b.syncPort, pair.b.imapPort], b, 60_000);
    const a = kind === 'quiesce'
      ? startSupervised('quiesce', [QUIESCE_COMMAND, 'run', '-c', pair.a.asMaster, '--log-format', 'json'], pair.a.imapPort, join(dir, 'a.log'))
      : startCyrusMaster(dir, pair);
    started.push(a);
    await waitListening([pair.a.imapPort, pair.a.lmtpPort], a, 60_000);
    const admin = await ImapClient.connect(pair.a.imapPort);
    await admin.login('cyrus');
    await admin.ok('CREATE user.alice');
    await admin.logout();
    const load = await deliverUntil(pair.a.lmtpPort, 'alice', { parallel: s.parallel, limit: s.deliveries, stop: new AbortController().signal });
    const t0 = performance.now();
    a.signal(kind === 'quiesce' ? 'SIGQUIT' : 'SIGTERM');
    const exit = await within(a.exited, 120_000);
    if (exit === undefined) throw new Error(`${kind} did not stop within 120 s`);
    let outcome = `exit ${exit.signal ?? exit.code}`;
    if (kind === 'quiesce' && exit.code !== 0) ctx.progress(`failover stop quiesce: NOT safe to fail over:\n${a.diagnostics()}`);
    if (kind === 'master') {
      await flushByHand(pair);
      outcome += ', then sync_client -f';
    }
    const ms = performance.now() - t0;
    const onReplica = (await messageIdsOf(pair.b.imapPort, 'alice')).filter((id) => load.acknowledged.includes(id)).length;
    ctx.progress(`failover stop ${kind}: ${ms.toFixed(0)} ms (${outcome}), ${onReplica}/${load.acknowledged.length} acknowledged messages on the replica`);
    return { ms, acknowledged: load.acknowledged.length, onReplica, outcome };
  } finally {
    for (const sup of started.reverse()) await endSupervisor(sup);
    pair.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function failoverScenario(ctx: BenchContext, s: Settings['failover']): Promise<Section> {
  const results = await interleave(s.reps, (kind) => oneStop(ctx, kind, s));
  const point = `${s.deliveries} LMTP deliveries, then the stop`;
  const complete = (runs: FailoverRun[]) => runs.map((r) => `${r.onReplica}/${r.acknowledged}`).join(', ');
  const rows: Row[] = [
    { point, metric: 'signal -> safe to fail over, ms', master: summarize(results.master.map((r) => r.ms)), quiesce: summarize(results.quiesce.map((r) => r.ms)) },
  ];
  return {
    title: 'Soft-failover stop',
    how: `Two real instances on loopback (the e2e pair): A the replication master (imapd, lmtpd, a rolling \`sync_client -r\`, sync_repeat_interval 1 s), B the replica (sync_server, under quiesce in both runs). ${s.deliveries} LMTP deliveries to A (${s.parallel} in parallel, one session each), then at once: quiesce, SIGQUIT to A's quiesce until it exits (0: its flush verified); Cyrus master, which has no such stop, the stock workaround: SIGTERM to master (every child ends at once), then \`sync_client -r -f\` over each sync log file left. Then the replica's INBOX is counted over IMAP. ${s.reps} run(s) each, interleaved, each on a fresh pair; median (range).`,
    rows,
    notes: [
      `acknowledged messages on the replica afterwards: master ${complete(results.master)}; quiesce ${complete(results.quiesce)}.`,
      `outcomes: master ${[...new Set(results.master.map((r) => r.outcome))].join('; ')}; quiesce ${[...new Set(results.quiesce.map((r) => r.outcome))].join('; ')}.`,
    ],
  };
}
