// The test that matters: two real Cyrus instances (A master, B replica) under quiesce. A is stopped
// while deliveries are in flight, and every message A acknowledged must be on B; then the roles swap.
import { afterEach, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTagged } from '../../src/child/kill-tree.js';
import { cleanup, cli as runCli, ev, isAlive, tempDir, type Quiesce } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { eventually } from './harness/eventually.js';
import { deliverAndThen, deliverUntil, messageIdsOf, type LoadResult } from './harness/mail-load.js';
import { createPair, startSides, type Pair, type PairOptions } from './harness/pair.js';

/** Runs the CLI (a swap or flush may take minutes); resolves with code and output whatever the exit code. */
const cli = (args: string[]) => runCli(args, { timeoutMs: 240_000 });

/** Numbers every run prints, for the README. */
function report(name: string, load: LoadResult, onB: readonly string[], extra: Record<string, unknown> = {}): number {
  const missing = load.acknowledged.filter((id) => !onB.includes(id)).length;
  console.log(`[failover] ${name}: delivered ${load.attempted}, acknowledged ${load.acknowledged.length}, found on B ${onB.length}, missing ${missing}`, extra);
  return missing;
}

const stoppedPids = new Set<number>();
let pair: Pair | undefined;
let dir = '';

afterEach(async () => {
  for (const pid of stoppedPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  stoppedPids.clear();
  // instances `quiesce start`/`swap` ran in the background: end them by their pidfiles, their children by tag
  for (const name of ['a-master', 'a-replica', 'b-master', 'b-replica']) {
    try {
      const pid = Number(readFileSync(join(dir, `${name}.pid`), 'utf8'));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      for (const p of findTagged(`${pid}.`, true)) process.kill(p, 'SIGKILL');
    } catch {
      // not running
    }
  }
  await cleanup();
  pair?.cleanup();
  pair = undefined;
});

async function setUp(opts: PairOptions): Promise<Pair> {
  dir = tempDir();
  pair = await createPair(dir, opts);
  return pair;
}

/** B as replica, A as master, user.alice created on A and replicated to B. */
async function startPair(p: Pair): Promise<{ a: Quiesce; b: Quiesce }> {
  const sides = await startSides(dir, p);
  await eventually('user.alice on B', () => messageIdsOf(p.b.imapPort, 'alice'), () => true);
  return sides;
}

/** Delivers until `trigger` messages are acknowledged, then calls `then`; keeps delivering until A refuses. */
const loadWith = (p: Pair, trigger: number, then: () => void, stop: AbortSignal): Promise<LoadResult> => deliverAndThen(p.a.lmtpPort, 'alice', trigger, then, stop);

describeCyrus('replication-safe soft failover', () => {
  it('SIGQUIT while deliveries are in flight: A exits 0 and every acknowledged message is on B, once', async () => {
    const p = await setUp({ drainTimeout: '60s' });
    const { a } = await startPair(p);
    const stop = new AbortController();
    const load = loadWith(p, 60, () => a.kill('SIGQUIT'), stop.signal);
    const { code } = await a.exited;
    stop.abort();
    const result = await load;
    expect(code).toBe(0);
    expect(a.logs.find(ev('replication.verified'))).toBeDefined();
    const onB = await messageIdsOf(p.b.imapPort, 'alice');
    report('SIGQUIT during deliveries', result, onB, { stopMs: a.logs.find(ev('shutdown.done'))?.durationMs });
    expect(result.acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(onB.filter((id) => result.acknowledged.includes(id)).sort()).toEqual([...result.acknowledged].sort());
    expect(new Set(onB).size).toBe(onB.length);
  });

  it('with B paused mid-batch, A waits for the drain and, once B resumes, exits 0 with nothing lost', async () => {
    const p = await setUp({ drainTimeout: '60s' });
    const { a, b } = await startPair(p);
    const stop = new AbortController();
    const result = await loadWith(p, 40, () => stop.abort(), stop.signal);
    // freeze every sync_server worker of B: A's sync_client blocks in the middle of its batch
    const workers = b.logs.filter(ev('child.started', { entry: 'syncserver' })).map((l) => l.pid as number).filter(isAlive);
    for (const pid of workers) {
      process.kill(pid, 'SIGSTOP');
      stoppedPids.add(pid);
    }
    a.kill('SIGQUIT');
    const backlog = await a.waitForLog(ev('replication.backlog'));
    expect(backlog.channels).toEqual([expect.stringMatching(/log/)]);
    for (const pid of workers) process.kill(pid, 'SIGCONT');
    stoppedPids.clear();
    const { code } = await a.exited;
    expect(code).toBe(0);
    const onB = await messageIdsOf(p.b.imapPort, 'alice');
    report('B paused, then resumed', result, onB, { stopMs: a.logs.find(ev('shutdown.done'))?.durationMs, backlog: backlog.channels });
    expect(onB.filter((id) => result.acknowledged.includes(id)).sort()).toEqual([...result.acknowledged].sort());
  });

  it('with B unreachable past the drain timeout, A exits 4 naming the backlog, swap refuses, and a flush after B returns replays it', async () => {
    const p = await setUp({ drainTimeout: '2s', flushArgs: '--timeout 3s --attempts 1' });
    const { a, b } = await startPair(p);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
    const stop = new AbortController();
    const result = await loadWith(p, 30, () => stop.abort(), stop.signal);
    const swap = await cli(['swap', '--pair', p.pairFile]);
    expect(swap.code).toBe(4);
    expect(swap.err).toMatch(/refusing to swap: the master a could not verify/);
    const { code } = await a.exited;
    expect(code).toBe(4);
    const done = a.logs.find(ev('shutdown.done'));
    expect(done?.verdict).toMatch(/NOT safe to fail over: .*not replicated: channel \(default\): .*log.*lines.*replay with: \S*sync_client -C/);
    // B comes back; the flush replays what A left
    expect((await cli(['start', '-c', p.b.asReplica])).code).toBe(0);
    const flush = await cli(['flush', '-C', p.a.masterConf]);
    expect(flush.code).toBe(0);
    const onB = await messageIdsOf(p.b.imapPort, 'alice');
    report('B unreachable, flushed after its return', result, onB, { flush: flush.out.split('\n').filter(Boolean).slice(-2) });
    expect(onB.filter((id) => result.acknowledged.includes(id)).sort()).toEqual([...result.acknowledged].sort());
  });

  it('quiesce swap makes B the master and A the replica, and new deliveries to B appear on A', async () => {
    const p = await setUp({ drainTimeout: '60s' });
    await startPair(p);
    const before = await deliverUntil(p.a.lmtpPort, 'alice', { parallel: 2, limit: 20, stop: new AbortController().signal });
    const swap = await cli(['swap', '--pair', p.pairFile]);
    expect(swap.err).toBe('');
    expect(swap.code).toBe(0);
    expect(swap.out).toMatch(/swapped: b is the master, a the replica/);
    // replicaonly is Cyrus 3.12's: on 3.6 swap says so and leaves the imapd.conf files alone
    expect(swap.out).toMatch(/^ {2}b: this Cyrus does not know replicaonly \(Cyrus 3\.12 and later have replicaonly; 3\.6 does not\)/m);
    expect(swap.out).toMatch(/^ {2}a: this Cyrus does not know replicaonly/m);
    expect(readFileSync(p.b.cyrus.imapdConf, 'utf8')).not.toMatch(/replicaonly/);
    // the new roles checked by comparing both sides over IMAP (no `verify` in the pair file)
    expect(swap.out).toMatch(/^ {2}compare\| compared 1 user\(s\), 1 mailbox\(es\), 20 message\(s\): identical$/m);
    const onB = await messageIdsOf(p.b.imapPort, 'alice');
    expect(onB.filter((id) => before.acknowledged.includes(id))).toHaveLength(before.acknowledged.length);
    const after = await deliverUntil(p.b.lmtpPort, 'alice', { parallel: 2, limit: 20, stop: new AbortController().signal });
    expect(after.acknowledged).toHaveLength(20);
    const onA = await eventually('the new deliveries on A', () => messageIdsOf(p.a.imapPort, 'alice'), (ids) => after.acknowledged.every((id) => ids.includes(id)));
    console.log(`[failover] swap: ${before.acknowledged.length} delivered to A before, ${after.acknowledged.length} to B after, A now has ${onA.length}`);
  });

  it('control: without the drain (sync_drain_timeout 0, no flush) a stop loses messages on B, and quiesce says so with exit 4', async () => {
    const p = await setUp({ drainTimeout: '0s', flush: false });
    const { a } = await startPair(p);
    const stop = new AbortController();
    const result = await loadWith(p, 200, () => stop.abort(), stop.signal);
    a.kill('SIGQUIT');
    const { code } = await a.exited;
    const onB = await messageIdsOf(p.b.imapPort, 'alice');
    const missing = report('control run, no drain', result, onB);
    expect(code).toBe(4);
    expect(missing).toBeGreaterThan(0);
  });
});
