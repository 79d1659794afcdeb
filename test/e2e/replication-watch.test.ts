// While a real Cyrus master runs: its sync log backlog is shown by `quiesce status` and the metrics,
// level changes are logged, and a `log-run` that no sync_client works on (one died mid-batch) is
// replayed by quiesce itself, so the replica catches up without a cron job. An old sync_client's
// `log-<pid>` is replayed too (real `sync_client -R -f`), and a `skipuser-` file is counted until
// the stop's verdict. And replication resumes within seconds of the replica's return, not at
// sync_client's own next reconnect try.
import { afterEach, expect, it } from 'vitest';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusSnapshot } from '../../src/supervisor/status.js';
import { cleanup, cli, ev, startQuiesce, tempDir } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { eventually } from './harness/eventually.js';
import { deliverUntil, messageIdsOf } from './harness/mail-load.js';
import { createPair, startSides, type Pair } from './harness/pair.js';
import { metrics } from './harness/metrics.js';
import { freePort } from './harness/ports.js';

let pair: Pair | undefined;
afterEach(async () => {
  await cleanup();
  pair?.cleanup();
  pair = undefined;
});

describeCyrus('replication backlog while running', () => {
  it('shows the backlog in status and metrics, logs the level change, and replays a log-run left by a dead sync_client', async () => {
    const dir = tempDir();
    const metricsPort = await freePort();
    // A master without its rolling sync_client: changes pile up in sync/log as if it were down
    const p = await createPair(dir, {
      syncClient: false,
      masterSupervisor: ['sync_backlog_interval: 300ms', 'sync_backlog_warn_bytes: 200', `metrics_port: ${metricsPort}`],
    });
    pair = p;
    const { a, b } = await startSides(dir, p);
    const load = await deliverUntil(p.a.lmtpPort, 'alice', { parallel: 2, limit: 10, stop: new AbortController().signal });
    expect(load.acknowledged).toHaveLength(10);

    // the check every 300 ms sees the backlog grow past 200 bytes
    const warned = await a.waitForLog((l) => l.event === 'replication.backlog-level' && l.to === 'warn');
    expect(warned).toMatchObject({ channel: '', from: 'ok' });
    const status = JSON.parse((await cli(['status', '--json', '-c', p.a.asMaster])).out) as StatusSnapshot;
    expect(status.replication?.level).toBe('warn');
    const channel = status.replication?.channels[0];
    expect(channel?.bytes).toBeGreaterThan(200);
    expect(channel?.lines).toBeGreaterThanOrEqual(10); // an APPEND line per delivery, and more
    const table = (await cli(['status', '-c', p.a.asMaster])).out;
    expect(table).toMatch(/sync log backlog: WARN/);
    const page = await metrics(metricsPort);
    expect(page).toMatch(/^quiesce_sync_backlog_level\{channel="\(default\)"\} 1$/m);
    expect(page).toMatch(/^quiesce_sync_backlog_bytes\{channel="\(default\)"\} [1-9]\d*$/m);
    expect(await messageIdsOf(p.b.imapPort, 'alice').catch(() => [])).toEqual([]); // nothing replicated yet

    // what a sync_client killed mid-batch leaves: the log renamed to log-run, nobody working on it
    renameSync(join(p.a.cyrus.confDir, 'sync', 'log'), join(p.a.cyrus.confDir, 'sync', 'log-run'));
    const recovered = await a.waitForLog(ev('replication.recovered'));
    expect(recovered).toMatchObject({ channel: '', empty: true });
    expect((await messageIdsOf(p.b.imapPort, 'alice')).sort()).toEqual([...load.acknowledged].sort());
    await a.waitForLog((l) => l.event === 'replication.backlog-level' && l.to === 'ok');

    a.kill('SIGQUIT');
    expect((await a.exited).code).toBe(0);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
  });

  it('replays an old sync_client\'s log-<pid> with sync_client -R -f, and a skipuser- file shows in status and metrics and makes the stop exit 4 naming the user', async () => {
    const dir = tempDir();
    const metricsPort = await freePort();
    const p = await createPair(dir, { syncClient: false, masterSupervisor: ['sync_backlog_interval: 300ms', `metrics_port: ${metricsPort}`] });
    pair = p;
    const { a, b } = await startSides(dir, p);
    const load = await deliverUntil(p.a.lmtpPort, 'alice', { parallel: 2, limit: 10, stop: new AbortController().signal });
    expect(load.acknowledged).toHaveLength(10);
    const syncDir = join(p.a.cyrus.confDir, 'sync');
    // 10 deliveries stay under the default warn thresholds: the skipped user alone raises the level
    writeFileSync(join(syncDir, 'skipuser-bob'), '');
    const warned = await a.waitForLog((l) => l.event === 'replication.backlog-level' && l.to === 'warn');
    expect(warned.reasons).toEqual([`user bob skipped (${join(syncDir, 'skipuser-bob')})`]);
    const status = JSON.parse((await cli(['status', '--json', '-c', p.a.asMaster])).out) as StatusSnapshot;
    expect(status.replication?.channels[0]).toMatchObject({ channel: '', level: 'warn', skippedUsers: ['bob'] });
    expect((await cli(['status', '-c', p.a.asMaster])).out).toMatch(/^channel \(default\): user bob NOT replicated: sync_client skips it/m);
    expect(await metrics(metricsPort)).toMatch(/^quiesce_sync_skipped_users\{channel="\(default\)"\} 1$/m);

    // Cyrus 2.4's sync_client named its batch log-<pid>; a 3.x sync_client never looks at it
    renameSync(join(syncDir, 'log'), join(syncDir, 'log-4242'));
    const recovered = await a.waitForLog(ev('replication.recovered'));
    expect(recovered).toMatchObject({ channel: '', empty: true });
    expect(existsSync(join(syncDir, 'log-4242'))).toBe(false);
    expect((await messageIdsOf(p.b.imapPort, 'alice')).sort()).toEqual([...load.acknowledged].sort());

    a.kill('SIGQUIT');
    expect((await a.exited).code).toBe(4);
    const left = a.logs.find(ev('replication.left'));
    expect(JSON.stringify(left?.backlog)).toContain(`user bob NOT replicated (sync_client skips it: ${join(syncDir, 'skipuser-bob')})`);
    expect(a.logs.find(ev('shutdown.done'))?.verdict).toMatch(/user bob NOT replicated/);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
  });

  // sync_client's reconnect waits 15, 30, 60, 120 s...: the line announcing a 30 s wait comes after a
  // 15 s outage, the one announcing 120 s after 105 s (the replica down for nearly two minutes)
  it.each([[30, 'about 15 s'], [120, 'nearly two minutes']])('resumes replication within 5 s of the replica\'s return, long before sync_client\'s own next try %i s later (outage: %s)', async (wait) => {
    const dir = tempDir();
    const p = await createPair(dir, { reconnectMaxwait: '20m' }); // Cyrus's default
    pair = p;
    const { a, b } = await startSides(dir, p);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
    const load = await deliverUntil(p.a.lmtpPort, 'alice', { parallel: 2, limit: 5, stop: new AbortController().signal });
    expect(load.acknowledged).toHaveLength(5);

    // the failed connect after which sync_client's own next try is `wait` s away
    const retrying = await a.waitForLog((l) => l.event === 'child.output' && l.entry === 'syncclient' && new RegExp(`Can not connect to server .*retrying in ${wait} seconds`).test(String(l.line)));
    const ownRetryAt = Date.now() + wait * 1_000;
    expect(a.logs.find(ev('replication.replica-down'))).toMatchObject({ channel: '', entry: 'syncclient', address: `127.0.0.1:${p.b.syncPort}`, probing: true });
    const b2 = startQuiesce(dir, p.b.asReplica);
    await b2.waitForLog(ev('supervisor.running'));
    const backAt = Date.now();
    const back = await a.waitForLog(ev('replication.replica-back'));
    expect(back).toMatchObject({ channel: '', woken: 1 });
    const onB = await eventually('every acknowledged message on B', () => messageIdsOf(p.b.imapPort, 'alice'), (ids) => load.acknowledged.every((id) => ids.includes(id)), ownRetryAt - Date.now() - 5_000);
    const resumedMs = Date.now() - backAt;
    console.log(`[replica-return] replication resumed ${resumedMs} ms after the replica's return (sync_client's own try: ${ownRetryAt - backAt} ms after it); ${String(retrying.line)}`);
    expect(onB.filter((id) => load.acknowledged.includes(id)).sort()).toEqual([...load.acknowledged].sort());
    expect(resumedMs).toBeLessThan(5_000); // the goal: every acknowledged message on the replica within 5 s of its return

    a.kill('SIGQUIT');
    expect((await a.exited).code).toBe(0);
    b2.kill('SIGQUIT');
    expect((await b2.exited).code).toBe(0);
  }, 240_000);
});
