// Two replicas at once: a real Cyrus master with `sync_log_channels: r1 r2` and a rolling
// `sync_client -n` per channel, each to its own real replica. SIGQUIT under continuous LMTP
// deliveries: every acknowledged message is on both replicas, exit 0. With r2 down: exit 4 naming
// channel r2 only, and r1 complete.
import { afterEach, expect, it } from 'vitest';
import type { StatusSnapshot } from '../../src/supervisor/status.js';
import { cleanup, cli, ev, startQuiesce, tempDir, type Quiesce } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { eventually } from './harness/eventually.js';
import { ImapClient } from './harness/imap-client.js';
import { deliverAndThen, deliverUntil, messageIdsOf } from './harness/mail-load.js';
import { metrics } from './harness/metrics.js';
import { freePort } from './harness/ports.js';
import { createTrio, type Trio } from './harness/trio.js';

let trio: Trio | undefined;
afterEach(async () => {
  await cleanup();
  trio?.cleanup();
  trio = undefined;
});

/** Both replicas, then the master; user.alice created on the master and on both replicas. */
async function start(dir: string, t: Trio): Promise<{ m: Quiesce; r1: Quiesce; r2: Quiesce }> {
  const [r1, r2] = t.replicas.map((r) => startQuiesce(dir, r.config)) as [Quiesce, Quiesce];
  await Promise.all([r1, r2].map((q) => q.waitForLog(ev('supervisor.running'))));
  const m = startQuiesce(dir, t.master.config);
  await m.waitForLog(ev('supervisor.running'));
  const admin = await ImapClient.connect(t.master.imapPort);
  await admin.login('cyrus');
  await admin.ok('CREATE user.alice');
  await admin.logout();
  for (const r of t.replicas) await eventually(`user.alice on ${r.channel}`, () => messageIdsOf(r.imapPort, 'alice'), () => true);
  return { m, r1, r2 };
}

describeCyrus('two replicas at once (sync_log_channels)', () => {
  it('SIGQUIT under continuous deliveries: exit 0, and every acknowledged message is on both replicas', async () => {
    const dir = tempDir();
    const t = await createTrio(dir);
    trio = t;
    const { m, r1, r2 } = await start(dir, t);
    const stop = new AbortController();
    const result = deliverAndThen(t.master.lmtpPort, 'alice', 60, () => m.kill('SIGQUIT'), stop.signal);
    const { code } = await m.exited;
    stop.abort();
    const delivered = await result;
    expect(code).toBe(0);
    expect(m.logs.find(ev('replication.verified'))).toMatchObject({ channels: 2 });
    expect(delivered.acknowledged.length).toBeGreaterThanOrEqual(60);
    for (const r of t.replicas) {
      const on = await messageIdsOf(r.imapPort, 'alice');
      console.log(`[two replicas] ${r.channel}: acknowledged ${delivered.acknowledged.length}, found ${on.length}`);
      expect(on.filter((id) => delivered.acknowledged.includes(id)).sort()).toEqual([...delivered.acknowledged].sort());
    }
    r1.kill('SIGQUIT');
    r2.kill('SIGQUIT');
    expect((await r1.exited).code).toBe(0);
    expect((await r2.exited).code).toBe(0);
  }, 120_000);

  it('with r2 down: status shows each channel, the stop exits 4 naming channel r2 only, and r1 has every acknowledged message', async () => {
    const dir = tempDir();
    const metricsPort = await freePort();
    const t = await createTrio(dir, ['sync_drain_timeout: 3s', 'sync_backlog_interval: 300ms', `metrics_port: ${metricsPort}`]);
    trio = t;
    const { m, r1, r2 } = await start(dir, t);
    r2.kill('SIGQUIT');
    expect((await r2.exited).code).toBe(0);
    const delivered = await deliverUntil(t.master.lmtpPort, 'alice', { parallel: 2, limit: 20, stop: new AbortController().signal });
    expect(delivered.acknowledged).toHaveLength(20);
    // r1 drained by its own sync_client, r2's backlog left: each channel on its own
    const lines = (s: StatusSnapshot, channel: string): number | undefined => s.replication?.channels.find((c) => c.channel === channel)?.lines;
    const status = await eventually('r1 drained and r2 behind in status', async () => JSON.parse((await cli(['status', '--json', '-c', t.master.config])).out) as StatusSnapshot,
      (s) => lines(s, 'r1') === 0 && (lines(s, 'r2') ?? 0) >= 20);
    expect(status.replication?.channels.map((c) => c.channel)).toEqual(['r1', 'r2']);
    const page = await metrics(metricsPort);
    expect(page).toMatch(/^quiesce_sync_backlog_lines\{channel="r1"\} 0$/m);
    expect(page).toMatch(/^quiesce_sync_backlog_lines\{channel="r2"\} [1-9]\d*$/m);
    m.kill('SIGQUIT');
    expect((await m.exited).code).toBe(4);
    const left = m.logs.find(ev('replication.left'));
    expect(left?.backlog).toEqual([expect.stringMatching(/^channel r2: .*replay with: \S*sync_client -C \S+ -n r2 -R -1/)]);
    const verdict = String(m.logs.find(ev('shutdown.done'))?.verdict);
    expect(verdict).toMatch(/NOT safe to fail over: .*channel r2/);
    expect(verdict).not.toMatch(/channel r1/);
    const onR1 = await messageIdsOf(t.replicas[0].imapPort, 'alice');
    expect(onR1.filter((id) => delivered.acknowledged.includes(id)).sort()).toEqual([...delivered.acknowledged].sort());
    r1.kill('SIGQUIT');
    expect((await r1.exited).code).toBe(0);
  }, 180_000);
});
