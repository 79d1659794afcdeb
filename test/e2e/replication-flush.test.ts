// flush against two real Cyrus instances: A (sync_log: yes, no rolling sync_client) and B (replica,
// sync_server on a quiesce listener). What A's sync log holds reaches B through flush, and when B is
// gone flush says so after its attempts, naming what is left.
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { realClock } from '../../src/clock.js';
import type { ReplicationProgress } from '../../src/replication/progress.js';
import { flush } from '../../src/replication/flush.js';
import { runFlushCommand } from '../../src/replication/flush-command.js';
import { loadImapdConf, type ImapdConf } from '../../src/config/imapd-conf.js';
import { replayArgv } from '../../src/replication/replay-command.js';
import { runSyncClient } from '../../src/replication/sync-client-run.js';
import { backlogOf, channelsOf, isEmpty, type Channel } from '../../src/replication/sync-dir.js';
import { bindListener, type BoundListener, type StreamListener } from '../../src/service/listener.js';
import { describeCyrus } from './harness/cyrus.js';
import { ImapClient } from './harness/imap-client.js';
import { createInstance, type CyrusInstance } from './harness/instance.js';
import { LmtpClient, makeMessage } from './harness/lmtp-client.js';
import { freePorts } from './harness/ports.js';
import { exitOf, isGone, signalGroup, stopChildren } from './harness/process.js';
import { spawnWorker, type Worker } from './harness/worker.js';

/** Live sync_client processes started with `-C conf` (read from /proc; never used to kill). */
function syncClientsOf(conf: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return argv[0]?.endsWith('sync_client') === true && argv.includes(conf) && !isGone(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

describeCyrus('flush: replaying A\'s sync log to a real replica B', () => {
  let a: CyrusInstance | undefined;
  let b: CyrusInstance | undefined;
  let ports: { aImap: number; aLmtp: number; bImap: number; bSync: number };
  let aConf: ImapdConf;
  let aChannel: Channel;
  const workers = new Set<Worker>();
  const listeners = new Set<BoundListener>();
  const syncServer: { worker: Worker | undefined; listener: StreamListener | undefined } = { worker: undefined, listener: undefined };
  let delivered = 0;

  async function listen(service: string, port: number): Promise<StreamListener> {
    const r = await bindListener(service, { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
    if (!r.ok) throw new Error(r.error);
    if (r.value.datagram) throw new Error('expected a stream socket');
    listeners.add(r.value);
    return r.value;
  }

  function start(program: string, args: readonly string[], service: string, listener: StreamListener): Worker {
    const w = spawnWorker(program, args, service, listener.fd);
    workers.add(w);
    return w;
  }

  /** B's sync_server accepting on bSync. */
  async function replicaUp(): Promise<void> {
    syncServer.listener ??= await listen('syncserver', ports.bSync);
    syncServer.worker ??= start('sync_server', ['-C', (b as CyrusInstance).imapdConf], 'syncserver', syncServer.listener);
  }

  /** No sync_server process; with `keepListening` the port still completes TCP handshakes (a hung replica). */
  async function replicaDown(keepListening: boolean): Promise<void> {
    const w = syncServer.worker;
    if (w !== undefined) {
      signalGroup(w.pid, 'SIGTERM');
      await exitOf(w.child, 10_000);
      workers.delete(w);
      syncServer.worker = undefined;
    }
    if (keepListening) {
      syncServer.listener ??= await listen('syncserver', ports.bSync);
    } else if (syncServer.listener !== undefined) {
      syncServer.listener.close();
      listeners.delete(syncServer.listener);
      syncServer.listener = undefined;
    }
  }

  async function deliver(n: number): Promise<void> {
    const lmtp = await LmtpClient.connect(ports.aLmtp);
    try {
      for (let i = 0; i < n; i++) {
        const messageId = `<flush-${process.pid}-${delivered}@quiesce.test>`;
        const r = await lmtp.deliver('sender@quiesce.test', ['alice'], makeMessage({ from: 'sender@quiesce.test', to: 'alice@quiesce.test', subject: `m${delivered}`, messageId }));
        expect(r.data.map((d) => d.reply.code)).toEqual([250]);
        delivered++;
      }
    } finally {
      await lmtp.quit();
    }
  }

  /** alice's INBOX as seen on one side: message count and Message-IDs. */
  async function inbox(port: number): Promise<{ messages: number; ids: string[] }> {
    const imap = await ImapClient.connect(port);
    try {
      await imap.login('alice');
      const { MESSAGES: messages = -1 } = await imap.status('INBOX', ['MESSAGES']);
      await imap.select('INBOX');
      const ids = messages > 0 ? await imap.messageIds('1:*') : [];
      return { messages, ids: ids.sort() };
    } finally {
      await imap.logout();
    }
  }

  beforeAll(async () => {
    const [aImap, aLmtp, bImap, bSync] = (await freePorts(4)) as [number, number, number, number];
    ports = { aImap, aLmtp, bImap, bSync };
    b = await createInstance({ name: 'flush-b' });
    a = await createInstance({ name: 'flush-a', sync: { host: '127.0.0.1', port: bSync } });
    const conf = loadImapdConf(a.imapdConf);
    if (!conf.ok) throw new Error(conf.error);
    aConf = conf.value;
    aChannel = channelsOf(aConf)[0] as Channel;
    start('imapd', ['-C', b.imapdConf], 'imap', await listen('imap', bImap));
    start('imapd', ['-C', a.imapdConf], 'imap', await listen('imap', aImap));
    start('lmtpd', ['-C', a.imapdConf, '-a'], 'lmtp', await listen('lmtp', aLmtp));
    await replicaUp();
    const admin = await ImapClient.connect(aImap);
    await admin.login('cyrus');
    await admin.ok('CREATE user.alice');
    await admin.logout();
    // no rolling sync_client on A: the CREATE waits in A's sync log until a flush
    const created = await flush(aConf, realClock);
    if (!created.ok) throw new Error(`initial flush failed: ${created.channels.map((c) => c.lastError).join('; ')}`);
  });

  afterAll(async () => {
    await stopChildren([...workers].map((w) => w.child));
    for (const l of listeners) l.close();
    a?.cleanup();
    b?.cleanup();
  });

  it('replays N LMTP deliveries from A\'s sync log: B then has all N, the log is gone, the result is ok', async () => {
    await replicaUp();
    const before = (await inbox(ports.bImap)).messages;
    const n = 50;
    await deliver(n);
    const backlog = await backlogOf(aChannel, realClock);
    // each delivery logs `APPEND user.alice` and `MAILBOX user.alice`
    expect(backlog.pending.map((f) => f.kind)).toEqual(['log']);
    expect(backlog.lines).toBe(2 * n);
    expect(backlog.bytes).toBeGreaterThan(0);

    const events: ReplicationProgress[] = [];
    const started = Date.now();
    const result = await flush(aConf, realClock, { onEvent: (e) => events.push(e) });
    console.log(`flush of ${backlog.lines} lines took ${Date.now() - started} ms: ${result.channels.map((c) => c.runs.map((r) => `${r.file} ${r.outcome.kind} ${r.outcome.kind === 'spawn-failed' ? '' : r.outcome.durationMs} ms`).join(', ')).join('; ')}`);
    expect(result.ok).toBe(true);
    expect(result.channels[0]).toMatchObject({ empty: true, attempts: 1, lastError: undefined });
    expect(result.channels[0]?.runs.map((r) => [r.file, r.outcome.kind, r.progressed])).toEqual([['log', 'exited', true]]);
    expect(isEmpty(await backlogOf(aChannel, realClock))).toBe(true);

    const onA = await inbox(ports.aImap);
    const onB = await inbox(ports.bImap);
    expect(onB.messages).toBe(before + n);
    expect(onB).toEqual(onA);
  });

  it('quiesce flush (the subcommand) exits 0 and reports the replayed file', async () => {
    await replicaUp();
    await deliver(10);
    // 20 lines, plus the MAILBOX lines earlier SELECTs on A may have logged
    const pending = (await backlogOf(aChannel, realClock)).lines;
    expect(pending).toBeGreaterThanOrEqual(20);
    const lines: string[] = [];
    const code = await runFlushCommand({ config: aConf.file }, (l) => lines.push(l));
    console.log(lines.join('\n'));
    expect(code).toBe(0);
    expect(lines).toContain('channel (default): verified empty');
    const summary = new RegExp(`^channel \\(default\\): before: log, ${pending} lines, \\d+ bytes, oldest entry \\d+(ms|s); replayed 1 file\\(s\\) \\(log ${pending} lines\\) in 1 run\\(s\\), 1 attempt\\(s\\)$`);
    expect(lines.filter((l) => summary.test(l))).toHaveLength(1);
    expect((await inbox(ports.bImap)).messages).toBe((await inbox(ports.aImap)).messages);
  });

  it('with B\'s sync_server gone, flush fails after its attempts, names the backlog, and leaves no sync_client behind', async () => {
    await replicaDown(false);
    await deliver(10);
    const pending = await backlogOf(aChannel, realClock);
    expect(pending.lines).toBeGreaterThanOrEqual(20);
    const events: ReplicationProgress[] = [];
    const started = Date.now();
    const result = await flush(aConf, realClock, { attempts: 2, retryDelayMs: 200, runTimeoutMs: 30_000, onEvent: (e) => events.push(e) });
    const tookMs = Date.now() - started;
    console.log(`unreachable: flush gave up after ${tookMs} ms: ${result.channels[0]?.lastError ?? ''}`);
    expect(result.ok).toBe(false);
    const [c] = result.channels;
    expect(c?.empty).toBe(false);
    expect(c?.attempts).toBe(2);
    expect(c?.runs.map((r) => r.outcome.kind)).toEqual(['unreachable', 'unreachable']);
    expect(c?.lastError).toMatch(/replica unreachable .*Can not connect to server '127\.0\.0\.1'/);
    // sync_client connects before it renames log -> log-run, so nothing moved
    expect(c?.left.pending.map((f) => f.kind)).toEqual(['log']);
    expect(c?.left.lines).toBe(pending.lines);
    expect(c?.left.pending[0]?.ino).toBe(pending.pending[0]?.ino);
    expect(c?.left.replay).toBe(`/usr/lib/cyrus/bin/sync_client -C ${aConf.file} -R -1`);
    expect(events.filter((e) => e.event === 'replication.flush.retry')).toHaveLength(1);
    expect(tookMs).toBeLessThan(10_000);
    expect(syncClientsOf(aConf.file)).toEqual([]);

    const lines: string[] = [];
    expect(await runFlushCommand({ config: aConf.file, attempts: 1 }, (l) => lines.push(l))).toBe(4);
    expect(lines).toContain(`channel (default): replay by hand (replica reachable, once per file, until none is left): /usr/lib/cyrus/bin/sync_client -C ${aConf.file} -R -1`);
    expect(lines.at(-1)).toMatch(/^flush: NOT replicated: \(default\)/);
  });

  it('without the early stop, sync_client -R -1 sits in its reconnect backoff until the run timeout kills its group', async () => {
    await replicaDown(false);
    if (isEmpty(await backlogOf(aChannel, realClock))) await deliver(1);
    const outcome = await runSyncClient(replayArgv({ confFile: aConf.file, channel: '' }), { timeoutMs: 3_000, killGraceMs: 2_000, stopOnConnectFailure: false }, realClock);
    console.log(`no early stop: ${outcome.kind} after ${outcome.kind === 'spawn-failed' ? '?' : outcome.durationMs} ms; output: ${outcome.kind === 'spawn-failed' ? outcome.message : outcome.output.trim()}`);
    expect(outcome.kind).toBe('timed-out');
    if (outcome.kind === 'timed-out') expect(outcome.output).toMatch(/Can not connect to server '127\.0\.0\.1', retrying in 10 seconds/);
  });

  it('a replica that accepts TCP but never answers is bounded by the run timeout', async () => {
    await replicaDown(true);
    if (isEmpty(await backlogOf(aChannel, realClock))) await deliver(1);
    const started = Date.now();
    const result = await flush(aConf, realClock, { attempts: 1, runTimeoutMs: 3_000, killGraceMs: 1_000 });
    console.log(`silent replica: flush gave up after ${Date.now() - started} ms: ${result.channels[0]?.lastError ?? ''}`);
    expect(result.ok).toBe(false);
    expect(result.channels[0]?.runs.map((r) => r.outcome.kind)).toEqual(['timed-out']);
    expect(result.channels[0]?.left.files.length).toBeGreaterThan(0);
    expect(syncClientsOf(aConf.file)).toEqual([]);
  });

  it('once B is back, flush replays what was left and B matches A again', async () => {
    await replicaDown(false);
    await replicaUp();
    expect(isEmpty(await backlogOf(aChannel, realClock))).toBe(false);
    const result = await flush(aConf, realClock);
    expect(result.ok).toBe(true);
    expect(isEmpty(await backlogOf(aChannel, realClock))).toBe(true);
    const onA = await inbox(ports.aImap);
    expect(onA.messages).toBe(delivered);
    expect(await inbox(ports.bImap)).toEqual(onA);
  });
});
