// ShutdownRun over a whole config with fake processes and the manual clock: the order of its steps,
// the phases it enters, what each step waits for, and the exit code judged from what it found.
import { describe, expect, it } from 'vitest';
import type { ChildHandle } from '../../../src/child/child.js';
import { EXIT, judgeShutdown } from '../../../src/exit-codes.js';
import type { ChannelBacklog } from '../../../src/replication/sync-dir.js';
import type { SyncFailure } from '../../../src/replication/sync-errors.js';
import { Daemon } from '../../../src/service/daemon.js';
import { ServicePool } from '../../../src/service/pool.js';
import type { Unit } from '../../../src/service/unit.js';
import { ShutdownRun, type ShutdownReport } from '../../../src/supervisor/shutdown.js';
import { costOf, shutdownSteps } from '../../../src/supervisor/shutdown-steps.js';
import { isReplicating, resumeSyncClients, SYNC_WAKE_INTERVAL_MS, wakeSyncClients } from '../../../src/supervisor/replication-of.js';
import type { FakeProcess } from '../fake-process.js';
import { unitWorld } from '../service/unit-world.js';

const CONFIG = `SUPERVISOR: { quit_timeout: 10s, term_timeout: 5s }
SERVICES:
  imap: { cmd: /usr/lib/cyrus/bin/imapd, prefork: 2 }
DAEMON:
  syncclient: { cmd: "/usr/lib/cyrus/bin/sync_client -r" }
  idled: { cmd: /usr/lib/cyrus/bin/idled }
SHUTDOWN:
  flush: { cmd: "/usr/lib/cyrus/bin/sync_client -f /var/lib/cyrus/sync/log", timeout: 30s, quit_timeout: 3s, term_timeout: 1s }
`;

const backlog = (files: number): ChannelBacklog => {
  const pending = Array.from({ length: files }, (_, i) => ({ kind: 'log' as const, path: '/var/lib/cyrus/sync/log', bytes: 40, lines: 1, bornMs: 0, modifiedMs: 0, ino: i + 1 }));
  return {
    channel: '', files: pending.map((f) => f.path), pending, bytes: files * 40, lines: files, oldestAgeMs: files > 0 ? 1_000 : undefined,
    skipped: [], replay: 'sync_client -f /var/lib/cyrus/sync/log', error: undefined,
  };
};

interface Options {
  /** How the SHUTDOWN command exits once started; undefined: it hangs. */
  readonly flushExit?: number;
  /** How many sync log reads still find something pending. */
  readonly pendingReads?: number;
  /** What every sync log read finds instead (pendingReads is then unused). */
  readonly backlog?: ChannelBacklog;
  /** Processes that ignore SIGQUIT (they leave on SIGTERM). */
  readonly stubborn?: (p: FakeProcess) => boolean;
  /** The first sync_client exits 0 on the drain's SIGHUP. */
  readonly syncExitsOnWake?: boolean;
  /** What /proc says of the sync_client: sleeping between passes (true), in a pass (false), or nothing. */
  readonly syncAsleep?: boolean;
  /** What the sync errors still fail on after the final read, and the reads they were settled against. */
  readonly syncFailures?: readonly SyncFailure[];
}

function shutdownWorld(o: Options = {}) {
  const w = unitWorld(CONFIG);
  const order: string[] = [];
  let reads = 0;
  const syncClients: { p: FakeProcess; at: number }[] = [];
  const spawn = (spec: Parameters<typeof w.spawn>[0], opts: Parameters<typeof w.spawn>[1]): ChildHandle => {
    const p = w.spawn(spec, opts) as FakeProcess;
    if (o.stubborn?.(p)) p.obeys = ['SIGTERM'];
    if (spec.name === 'syncclient') syncClients.push({ p, at: w.clock.now() });
    if (o.syncExitsOnWake === true && spec.name === 'syncclient' && syncClients.length === 1) p.obeys = [...p.obeys, 'SIGHUP'];
    p.exited.then(() => order.push(`exited ${spec.name}`), () => undefined);
    if (spec.section === 'SHUTDOWN') {
      order.push(`started ${spec.name}`);
      if (o.flushExit !== undefined) queueMicrotask(() => p.exit(o.flushExit!));
    }
    return p;
  };
  const deps = { ...w.deps, spawn };
  const pool = new ServicePool(w.config.services[0]!, deps);
  const daemons = new Map(w.config.daemons.map((e) => [e.name, new Daemon(e, deps)]));
  const units: Unit[] = [pool, ...daemons.values()];
  for (const u of units) u.start();
  const phases: string[] = [];
  const view = { channels: [], read: () => [], drainTimeoutMs: 0, syncClients: new Map([['syncclient', '']]) };
  const resumed = new Set<string>();
  const woken = new Map<number, number>();
  const settled: { channels: string[]; at: number }[] = [];
  const run = new ShutdownRun(
    {
      mode: 'graceful', trigger: 'SIGQUIT', steps: shutdownSteps(w.config, true), drain: [pool], retiring: [],
      daemon: (name) => daemons.get(name), tagPrefix: `quiesce-unit-test-${process.pid}-`, enter: (phase) => void phases.push(phase),
      replication: {
        read: () => [o.backlog ?? backlog(reads++ < (o.pendingReads ?? 0) ? 1 : 0)],
        drainTimeoutMs: w.config.supervisor.syncDrainTimeoutMs,
        replicating: () => isReplicating(view, units),
        wake: () => wakeSyncClients(view, units, woken, w.clock.now(), () => o.syncAsleep),
        resume: () => resumeSyncClients(view, units, resumed),
        settle: (read, at) => {
          settled.push({ channels: read.map((b) => b.channel), at });
          return o.syncFailures ?? [];
        },
      },
    },
    deps,
  );
  /** Runs the shutdown to its end, moving the clock 100 ms at a time (`each` runs before every move). */
  const finish = async (each: () => void = () => undefined): Promise<ShutdownReport> => {
    let report: ShutdownReport | undefined;
    void run.run().then((r) => (report = r));
    for (let i = 0; i < 10_000 && report === undefined; i++) {
      each();
      await w.advance(100);
    }
    expect(report).toBeDefined();
    return report!;
  };
  return { ...w, run, order, phases, finish, daemons, syncClients, settled };
}

describe('ShutdownRun', () => {
  it('drains the writers, waits for the sync logs, stops the daemons in reverse order, then runs the SHUTDOWN command', async () => {
    const w = shutdownWorld({ flushExit: 0, pendingReads: 3 });
    const report = await w.finish();
    expect(w.events('shutdown.step').map((e) => `${e.step}: ${e.detail}`)).toEqual([
      'drain: stopping services and events: imap',
      'sync-drain: writers stopped; waiting up to 60000 ms for sync_client to empty the sync logs',
      'daemons: stopping DAEMON idled',
      'daemons: stopping DAEMON syncclient',
    ]);
    expect(w.order).toEqual(['exited imap', 'exited imap', 'exited idled', 'exited syncclient', 'started flush', 'exited flush']);
    expect(w.phases).toEqual(['stopping-daemons', 'shutdown-commands']);
    expect(w.events('replication.drained')).toHaveLength(1);
    expect(report).toMatchObject({ exitCode: EXIT.clean, mode: 'graceful', trigger: 'SIGQUIT', notReplicated: [] });
    expect(report.steps.map((s) => s.name)).toEqual([
      'drain', 'sync-drain: writers stopped; waiting up to 60000 ms for sync_client to empty the sync logs',
      'daemons: stopping DAEMON idled', 'daemons: stopping DAEMON syncclient', 'SHUTDOWN flush',
    ]);
    expect(w.events('replication.verified')).toEqual([{ event: 'replication.verified', channels: 1 }]);
  });

  it('does not wait for what the rolling sync_client never drains (another log file, a skipped user), and judges it not replicated: exit 4', async () => {
    const other = { kind: 'other' as const, path: '/var/lib/cyrus/sync/log-4242', bytes: 11, lines: 1, bornMs: 0, modifiedMs: 0, ino: 9 };
    const stuck: ChannelBacklog = { ...backlog(0), files: [other.path], pending: [other], bytes: 11, lines: 1, oldestAgeMs: 5_000, skipped: [{ user: 'alice', path: '/var/lib/cyrus/sync/skipuser-alice' }] };
    const w = shutdownWorld({ flushExit: 0, backlog: stuck });
    const sync = w.daemons.get('syncclient')?.liveChildren()[0] as FakeProcess;
    const report = await w.finish();
    expect(w.events('replication.drained')).toHaveLength(1);
    expect(w.events('replication.backlog')).toEqual([]);
    expect(sync.received.filter((r) => r.step === undefined)).toEqual([]);
    expect(report.exitCode).toBe(EXIT.shutdownFailed);
    expect(report.notReplicated).toEqual([stuck]);
    expect(report.verdict).toMatch(/log-4242, 1 lines, 11 bytes.*user alice NOT replicated \(sync_client skips it: \/var\/lib\/cyrus\/sync\/skipuser-alice\)/);
  });

  it('judges a mailbox the rolling sync_client failed on, and no completed batch settled, not replicated: exit 4 naming it and its replay', async () => {
    const failure: SyncFailure = {
      channel: '', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation', firstMs: 0, lastMs: 50, count: 7, replay: 'sync_client -C /etc/imapd.conf -u alice',
    };
    const w = shutdownWorld({ flushExit: 0, syncFailures: [failure] });
    const report = await w.finish();
    expect(w.settled).toEqual([{ channels: [''], at: expect.any(Number) as number }]); // the final read, after the SHUTDOWN commands
    expect(report.exitCode).toBe(EXIT.shutdownFailed);
    expect(report.syncFailures).toEqual([failure]);
    expect(report.notReplicated).toEqual([]);
    expect(report.verdict).toBe('NOT safe to fail over: not replicated: channel (default): mailbox user.alice (user alice) failed to replicate (7 time(s), last: The remote Server(s) denied the operation); replay with: sync_client -C /etc/imapd.conf -u alice');
    expect(w.events('replication.left')).toHaveLength(1);
    expect(w.events('replication.verified')).toEqual([]);
  });

  it('wakes the rolling sync_client once (SIGHUP) when the drain finds something pending, and only it', async () => {
    const w = shutdownWorld({ flushExit: 0, pendingReads: 3 });
    const [sync, idled] = ['syncclient', 'idled'].map((n) => w.daemons.get(n)?.liveChildren()[0] as FakeProcess);
    await w.finish();
    expect(sync?.received.filter((r) => r.step === undefined)).toEqual([{ signal: 'SIGHUP', step: undefined }]);
    expect(idled?.received.filter((r) => r.step === undefined)).toEqual([]);
  });

  it('restarts at once, not after its restart delay, a sync_client that exits during the drain, and the drain completes', async () => {
    const w = shutdownWorld({ flushExit: 0, pendingReads: 30, syncExitsOnWake: true });
    const report = await w.finish();
    const [first, second] = w.syncClients;
    const exitedAt = first?.p.state.kind === 'exited' ? first.p.state.exit.at : NaN;
    expect(first?.p.received.map((r) => r.signal)).toEqual(['SIGHUP']);
    expect(w.syncClients).toHaveLength(2);
    expect((second?.at ?? Infinity) - exitedAt).toBeLessThan(w.config.supervisor.restartDelayMs);
    expect(w.events('replication.drained')).toHaveLength(1);
    expect(report).toMatchObject({ exitCode: EXIT.clean, notReplicated: [] });
  });

  it('wakes a sleeping sync_client again while the logs stay pending, at most once a second, and never one in a pass', async () => {
    const asleep = shutdownWorld({ flushExit: 0, pendingReads: 200, syncAsleep: true });
    const sync = asleep.daemons.get('syncclient')?.liveChildren()[0] as FakeProcess;
    const drainStart = (): number => asleep.events('shutdown.step').length;
    let t0: number | undefined;
    let t1 = 0;
    await asleep.finish(() => {
      if (t0 === undefined && drainStart() >= 2) t0 = asleep.clock.now();
      if (asleep.events('replication.drained').length === 0) t1 = asleep.clock.now();
    });
    const drainedMs = t1 - (t0 ?? t1);
    const hups = sync.received.filter((r) => r.signal === 'SIGHUP').length;
    expect(drainedMs).toBeGreaterThan(2 * SYNC_WAKE_INTERVAL_MS);
    expect(hups).toBeGreaterThanOrEqual(Math.floor(drainedMs / SYNC_WAKE_INTERVAL_MS));
    expect(hups).toBeLessThanOrEqual(Math.ceil(drainedMs / SYNC_WAKE_INTERVAL_MS) + 1);
    const busy = shutdownWorld({ flushExit: 0, pendingReads: 200, syncAsleep: false });
    const inPass = busy.daemons.get('syncclient')?.liveChildren()[0] as FakeProcess;
    await busy.finish();
    expect(inPass.received.filter((r) => r.signal === 'SIGHUP')).toEqual([]);
  });

  it('does not wake the rolling sync_client when the sync logs are already empty', async () => {
    const w = shutdownWorld({ flushExit: 0, pendingReads: 0 });
    const sync = w.daemons.get('syncclient')?.liveChildren()[0] as FakeProcess;
    await w.finish();
    expect(sync.received.filter((r) => r.step === undefined)).toEqual([]);
  });

  it("gives systemd the SHUTDOWN command's own budget: its timeout plus its own quit and term timeouts", async () => {
    const w = shutdownWorld({ flushExit: 0 });
    await w.finish();
    expect(w.events('shutdown.command-begin')).toEqual([{ event: 'shutdown.command-begin', entry: 'flush', timeoutMs: 30_000, budgetMs: 34_000 }]);
    const command = shutdownSteps(w.config, true).find((s) => s.kind === 'command')!;
    expect(costOf(command, 'fast')).toMatchObject({ budgetMs: 34_000 }); // a SHUTDOWN command is stopped gracefully even in a fast stop
  });

  it('a second signal during the sync drain stops the waiting: not replicated, exit 4', async () => {
    const w = shutdownWorld({ flushExit: 0, pendingReads: Infinity });
    const report = await w.finish(() => {
      if (w.run.step === 'sync-drain') w.run.skipSyncDrain('SIGQUIT');
    });
    expect(w.events('replication.not-drained')).toMatchObject([{ reason: 'skipped by a second shutdown signal' }]);
    expect(report.exitCode).toBe(EXIT.shutdownFailed);
    expect(report.verdict).toMatch(/^NOT safe to fail over: not replicated: channel \(default\): .*; replay with: sync_client -f \/var\/lib\/cyrus\/sync\/log$/);
  });

  it('a child that needed SIGTERM makes it exit 3; a failed SHUTDOWN command makes it exit 4', async () => {
    const escalated = shutdownWorld({ flushExit: 0, stubborn: (p) => p.spec.name === 'idled' });
    const r3 = await escalated.finish();
    expect(r3.exitCode).toBe(EXIT.escalated);
    expect(r3.stops.filter((s) => s.escalated).map((s) => s.steps)).toEqual([['stop', 'term']]);
    const failed = await shutdownWorld({ flushExit: 1 }).finish();
    expect(failed).toMatchObject({ exitCode: EXIT.shutdownFailed, verdict: 'NOT safe to fail over: SHUTDOWN flush exit code 1' });
  });

  it('abortCommands (a signal during the SHUTDOWN commands) kills the running one', async () => {
    const w = shutdownWorld({});
    let aborted = false;
    const report = await w.finish(() => {
      if (w.run.step !== 'command' || aborted) return;
      aborted = true;
      w.run.abortCommands('SIGQUIT');
    });
    expect(report.commands).toMatchObject([{ entry: 'flush', ok: false, outcome: 'interrupted, killed by SIGKILL' }]);
    expect(report.exitCode).toBe(EXIT.shutdownFailed);
  });

  it('a SHUTDOWN command over its timeout is stopped from its stop signal', async () => {
    const report = await shutdownWorld({ stubborn: (p) => p.spec.name === 'flush' }).finish();
    expect(report.commands).toMatchObject([{ entry: 'flush', ok: false, outcome: 'timed out after 30000 ms, then exit code 0 (stop -> term)' }]);
  });
});

describe('judgeShutdown', () => {
  const none = { failedCommands: [], notReplicated: [], escalated: [] };
  it.each([
    { facts: none, code: 0 },
    { facts: { ...none, escalated: [{ label: 'imapd[12]', steps: ['stop', 'term'] }] }, code: 3 },
    { facts: { ...none, escalated: [{ label: 'imapd[12]', steps: ['stop', 'term'] }], notReplicated: ['(default): 1 file'] }, code: 4 },
    { facts: { ...none, failedCommands: [{ entry: 'flush', outcome: 'exit code 1' }] }, code: 4 },
  ])('$facts -> $code', ({ facts, code }) => {
    expect(judgeShutdown(facts).exitCode).toBe(code);
  });
});

