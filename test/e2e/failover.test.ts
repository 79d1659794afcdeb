// The test that matters: two real Cyrus instances (A master, B replica) under quiesce; A is stopped
// while deliveries are in flight, and every message A acknowledged must be on B.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cleanup, ev, startQuiesce, tempDir, type Quiesce } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { ImapClient } from './harness/imap-client.js';
import { deliverUntil, messageIdsOf, type LoadResult } from './harness/mail-load.js';
import { createPair, type Pair } from './harness/pair.js';

/** Numbers every run prints, for the README. */
function report(name: string, load: LoadResult, onB: readonly string[], extra: Record<string, unknown> = {}): void {
  const missing = load.acknowledged.filter((id) => !onB.includes(id)).length;
  console.log(`[failover] ${name}: delivered ${load.attempted}, acknowledged ${load.acknowledged.length}, found on B ${onB.length}, missing ${missing}`, extra);
}

/** Polls (bounded) until `check` holds: replication is asynchronous by nature. */
async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeCyrus('replication-safe soft failover', () => {
  let pair: Pair;
  let dir: string;

  beforeEach(async () => {
    dir = tempDir();
    pair = await createPair(dir, { drainTimeout: '60s', flush: false });
  });

  afterEach(async () => {
    await cleanup();
    pair.cleanup();
  });

  /** B as replica, A as master, user.alice created on A and replicated to B. */
  async function startPair(): Promise<{ a: Quiesce; b: Quiesce }> {
    const b = startQuiesce(dir, pair.b.asReplica);
    await b.waitForLog(ev('supervisor.running'));
    const a = startQuiesce(dir, pair.a.asMaster);
    await a.waitForLog(ev('supervisor.running'));
    const admin = await ImapClient.connect(pair.a.imapPort);
    await admin.login('cyrus');
    await admin.ok('CREATE user.alice');
    await admin.logout();
    await eventually('user.alice on B', () => messageIdsOf(pair.b.imapPort, 'alice'), () => true);
    return { a, b };
  }

  it('SIGQUIT while deliveries are in flight: A exits 0 and every acknowledged message is on B, once', async () => {
    const { a } = await startPair();
    const stop = new AbortController();
    let signalled = false;
    const load = deliverUntil(pair.a.lmtpPort, 'alice', {
      parallel: 4, limit: 2_000, stop: stop.signal,
      onAck: (n) => {
        if (n === 60 && !signalled) {
          signalled = true;
          a.kill('SIGQUIT');
        }
      },
    });
    const { code } = await a.exited;
    stop.abort();
    const result = await load;
    expect(code).toBe(0);
    expect(a.logs.find(ev('replication.verified'))).toBeDefined();
    const onB = await messageIdsOf(pair.b.imapPort, 'alice');
    report('SIGQUIT during deliveries', result, onB, { stopMs: a.logs.find(ev('shutdown.done'))?.durationMs });
    expect(result.acknowledged.length).toBeGreaterThanOrEqual(60);
    expect(onB.filter((id) => result.acknowledged.includes(id)).sort()).toEqual([...result.acknowledged].sort());
    expect(new Set(onB).size).toBe(onB.length);
  });
});
