// Sync errors per mailbox while a real Cyrus master runs: quiesce receives its rolling
// sync_client's syslog(3) lines (SUPERVISOR.syslog_socket), and when the replica cannot take one
// mailbox, that mailbox and its user are named once at error level with the replay command, shown
// by `quiesce status` and the metrics, settled once sync_client completed the batch, and named in
// the stop's verdict and report while it still fails.
import { afterEach, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShutdownReportDocument } from '../../src/ops/report.js';
import type { StatusSnapshot } from '../../src/supervisor/status.js';
import { cleanup, cli, ev, tempDir } from '../integration/harness.js';
import { cyrusBin, describeCyrus } from './harness/cyrus.js';
import { eventually } from './harness/eventually.js';
import { ImapClient } from './harness/imap-client.js';
import { deliverUntil, messageIdsOf } from './harness/mail-load.js';
import { startWithOwnDevLog } from './harness/namespace.js';
import { createPair, startSides, type Pair } from './harness/pair.js';
import { metrics } from './harness/metrics.js';
import { freePort } from './harness/ports.js';

let pair: Pair | undefined;
afterEach(async () => {
  await cleanup();
  pair?.cleanup();
  pair = undefined;
});

const deliver = async (port: number, user: string, n: number): Promise<readonly string[]> =>
  (await deliverUntil(port, user, { parallel: 1, limit: n, stop: new AbortController().signal })).acknowledged;

describeCyrus('sync errors per mailbox', () => {
  it('names the mailbox the replica cannot take in the log, status and metrics, settles it once sync_client completes the batch, and names it in the verdict and report of a stop while it fails', async () => {
    const dir = tempDir();
    const metricsPort = await freePort();
    const p = await createPair(dir, {
      drainTimeout: '2s', flushArgs: '--timeout 5s --attempts 1',
      masterSupervisor: ['sync_backlog_interval: 300ms', `metrics_port: ${metricsPort}`, 'syslog_socket: /dev/log'],
    });
    pair = p;
    const { a, b } = await startSides(dir, p, () => startWithOwnDevLog(dir, ['run', '-c', p.a.asMaster, '--log-format', 'json']));
    await a.waitForLog(ev('syslog.listening'));
    const admin = await ImapClient.connect(p.a.imapPort);
    await admin.login('cyrus');
    await admin.ok('CREATE user.bob');
    await admin.logout();
    const first = await deliver(p.a.lmtpPort, 'alice', 2);
    await eventually('the first two messages on B', () => messageIdsOf(p.b.imapPort, 'alice'), (ids) => ids.length === first.length);

    // the replica's copy of user.alice becomes unreadable to its sync_server (it runs as cyrus)
    const onB = execFileSync(cyrusBin('mbpath'), ['-C', p.b.cyrus.imapdConf, 'user.alice'], { encoding: 'utf8' }).trim();
    chmodSync(onB, 0o000);
    await deliver(p.a.lmtpPort, 'alice', 2);
    const failed = await a.waitForLog(ev('replication.sync-error', { mailbox: 'user.alice' }));
    expect(failed).toMatchObject({ level: 50, channel: '', user: 'alice', reason: 'The remote Server(s) denied the operation', replay: `${cyrusBin('sync_client')} -C ${p.a.masterConf} -u alice` });
    const status = JSON.parse((await cli(['status', '--json', '-c', p.a.asMaster])).out) as StatusSnapshot;
    const channel = status.replication?.channels[0];
    expect(channel?.failing.find((f) => f.mailbox === 'user.alice')).toMatchObject({ user: 'alice', reason: 'The remote Server(s) denied the operation' });
    expect(channel?.syncErrors).toBeGreaterThan(0);
    expect((await cli(['status', '-c', p.a.asMaster])).out).toMatch(/^channel \(default\): mailbox user\.alice \(user alice\) FAILING for .*replay with: .*sync_client -C .* -u alice$/m);
    const page = await metrics(metricsPort);
    expect(page).toMatch(/^quiesce_sync_failing_mailboxes\{channel="\(default\)"\} 1$/m);
    expect(page).toMatch(/^quiesce_sync_errors_total\{channel="\(default\)"\} [1-9]\d*$/m);
    // logged once, however often sync_client retries the batch
    expect(a.logs.filter(ev('replication.sync-error', { mailbox: 'user.alice' }))).toHaveLength(1);

    // readable again: sync_client's next retry completes the batch, and the next check settles it
    chmodSync(onB, 0o700);
    const recovered = await a.waitForLog(ev('replication.sync-recovered', { mailbox: 'user.alice' }));
    expect(recovered).toMatchObject({ channel: '', user: 'alice' });
    expect(await messageIdsOf(p.b.imapPort, 'alice')).toHaveLength(4);
    expect(await metrics(metricsPort)).toMatch(/^quiesce_sync_failing_mailboxes\{channel="\(default\)"\} 0$/m);

    // and unreadable again, with a stop while it fails
    chmodSync(onB, 0o000);
    const sinceRecovery = a.logs.length;
    await deliver(p.a.lmtpPort, 'alice', 1);
    await a.waitForLog((l) => a.logs.indexOf(l) >= sinceRecovery && l.event === 'replication.sync-error' && l.mailbox === 'user.alice');
    a.kill('SIGQUIT');
    expect((await a.exited).code).toBe(4);
    const verdict = String(a.logs.find(ev('shutdown.done'))?.verdict);
    expect(verdict).toMatch(/^NOT safe to fail over: .*channel \(default\): mailbox user\.alice \(user alice\) failed to replicate \(\d+ time\(s\), last: The remote Server\(s\) denied the operation\); replay with: .*sync_client -C .* -u alice/);
    const report = JSON.parse(readFileSync(join(dir, 'a-master.report.json'), 'utf8')) as ShutdownReportDocument;
    expect(report.syncFailures).toEqual([expect.objectContaining({ channel: '', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation' })]);
    expect(report.verdict.safeToFailOver).toBe(false);
    chmodSync(onB, 0o700);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
  }, 120_000);
});
