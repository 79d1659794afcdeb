import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildShutdownReport, writeReportAtomically, type ReportContext } from '../../../src/ops/report.js';
import type { ShutdownReport } from '../../../src/supervisor/shutdown.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const exit = (code: number | null, signal: NodeJS.Signals | null) => ({ code, signal, spawnError: undefined, at: T0 });

const failed: ShutdownReport = {
  exitCode: 4,
  verdict: 'NOT safe to fail over: SHUTDOWN flush exit code 1',
  mode: 'graceful',
  trigger: 'SIGQUIT',
  startedAtMs: T0,
  durationMs: 43_000,
  steps: [
    { name: 'drain', startedAtMs: T0, durationMs: 12_000 },
    { name: 'daemons: stopping DAEMON syncclient', startedAtMs: T0 + 12_000, durationMs: 1_000 },
    { name: 'SHUTDOWN flush', startedAtMs: T0 + 13_000, durationMs: 30_000 },
  ],
  stops: [
    { label: 'imap[101]', exit: exit(null, 'SIGTERM'), steps: ['stop', 'term'], escalated: true, durationMs: 11_900 },
    { label: 'lmtp[102]', exit: exit(0, null), steps: ['stop'], escalated: false, durationMs: 40 },
    { label: 'syncclient[103]', exit: exit(0, null), steps: ['stop'], escalated: false, durationMs: 900 },
  ],
  commands: [{ entry: 'flush', ok: false, outcome: 'exit code 1', durationMs: 30_000, stderrTail: ['sync_client: connect(replica): Connection refused'] }],
  stragglers: [],
  notReplicated: [],
  syncFailures: [],
};

const ctx: ReportContext = { supervisorPid: 4242, config: '/etc/quiesce/cyrus.yaml', version: '0.1.0', hostname: 'mail1', writtenAtMs: T0 + 43_000 };

describe('buildShutdownReport', () => {
  it('says a failed SHUTDOWN command makes failover unsafe, with its output tail, steps and escalations', () => {
    expect(buildShutdownReport(failed, ctx)).toEqual({
      schema: 'quiesce.shutdown-report/1',
      writtenAt: '2025-01-02T03:04:48.000Z',
      supervisor: { pid: 4242, config: '/etc/quiesce/cyrus.yaml', version: '0.1.0', hostname: 'mail1' },
      shutdown: { mode: 'graceful', trigger: 'SIGQUIT', startedAt: '2025-01-02T03:04:05.000Z', durationMs: 43_000 },
      verdict: {
        exitCode: 4,
        safeToFailOver: false,
        summary: 'NOT safe to fail over: SHUTDOWN flush exit code 1',
        reasons: ['SHUTDOWN flush: exit code 1', '1 of 3 child(ren) needed escalation: imap[101] (stop -> term)'],
        caveats: [],
      },
      steps: [
        { name: 'drain', startedAt: '2025-01-02T03:04:05.000Z', durationMs: 12_000 },
        { name: 'daemons: stopping DAEMON syncclient', startedAt: '2025-01-02T03:04:17.000Z', durationMs: 1_000 },
        { name: 'SHUTDOWN flush', startedAt: '2025-01-02T03:04:18.000Z', durationMs: 30_000 },
      ],
      children: { stopped: 3, escalated: [{ child: 'imap[101]', signals: ['stop', 'term'], exit: 'killed by SIGTERM', durationMs: 11_900 }] },
      commands: [{ entry: 'flush', ok: false, outcome: 'exit code 1', durationMs: 30_000, outputTail: ['sync_client: connect(replica): Connection refused'] }],
      stragglers: [],
      notReplicated: [],
      syncFailures: [],
    });
  });

  it('calls a clean stop safe, and still warns when nothing flushed replication or stragglers were killed', () => {
    const clean: ShutdownReport = { ...failed, exitCode: 0, verdict: 'clean', stops: [], commands: [], stragglers: [777] };
    const doc = buildShutdownReport(clean, ctx);
    expect(doc.verdict.safeToFailOver).toBe(true);
    expect(doc.verdict.reasons).toEqual(['no SHUTDOWN commands to fail', 'all 0 child(ren) left on their stop signal']);
    expect(doc.verdict.caveats).toEqual([
      'no SHUTDOWN commands are configured: nothing flushed or verified the replication log',
      '1 process(es) started by quiesce were still alive after the SHUTDOWN commands and were killed (777); they may have changed data after the flush',
    ]);
  });

  it('treats exit 3 (escalated, flush ok) as safe to fail over', () => {
    const escalated: ShutdownReport = { ...failed, exitCode: 3, commands: [{ ...failed.commands[0]!, ok: true, outcome: 'exit code 0' }] };
    expect(buildShutdownReport(escalated, ctx).verdict).toMatchObject({ safeToFailOver: true, reasons: ['all 1 SHUTDOWN command(s) exited 0', '1 of 3 child(ren) needed escalation: imap[101] (stop -> term)'] });
  });
});

describe('buildShutdownReport, sync logs', () => {
  it('names each channel not replicated, its files, and each user sync_client skips, with what replicates it', () => {
    const notReplicated: ShutdownReport['notReplicated'] = [{
      channel: 'east', files: ['/var/lib/cyrus/sync/east/log-4242'], pending: [], bytes: 30, lines: 2, oldestAgeMs: 9_000,
      skipped: [{ user: 'bob', path: '/var/lib/cyrus/sync/east/skipuser-bob' }], replay: 'sync_client ... -R -f ...; rm -- ... && sync_client ... -u bob', error: undefined,
    }];
    const doc = buildShutdownReport({ ...failed, commands: [], stops: [], notReplicated }, ctx);
    expect(doc.verdict.reasons.slice(0, 2)).toEqual([
      'sync log channel east not replicated: 2 line(s), 30 bytes in /var/lib/cyrus/sync/east/log-4242',
      'sync log channel east: user bob not replicated: sync_client skips it (/var/lib/cyrus/sync/east/skipuser-bob)',
    ]);
    expect(doc.notReplicated).toEqual([{
      channel: 'east', files: ['/var/lib/cyrus/sync/east/log-4242'], bytes: 30, lines: 2, oldestAgeMs: 9_000,
      skippedUsers: [{ user: 'bob', file: '/var/lib/cyrus/sync/east/skipuser-bob' }], replay: 'sync_client ... -R -f ...; rm -- ... && sync_client ... -u bob',
    }]);
  });
});

describe('buildShutdownReport, sync errors', () => {
  it('lists each mailbox the rolling sync_client failed on and no completed batch settled, with when and its replay command', () => {
    const syncFailures: ShutdownReport['syncFailures'] = [{
      channel: '', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation', firstMs: T0 - 60_000, lastMs: T0 - 1_000, count: 412,
      replay: 'sync_client -C /etc/imapd.conf -u alice',
    }];
    const doc = buildShutdownReport({ ...failed, commands: [], stops: [], syncFailures }, ctx);
    expect(doc.verdict.reasons[0]).toBe('sync log channel (default): mailbox user.alice (user alice) failed to replicate (412 time(s), last: The remote Server(s) denied the operation) and no completed batch settled it since');
    expect(doc.syncFailures).toEqual([{
      channel: '', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation', count: 412,
      firstAt: '2025-01-02T03:03:05.000Z', lastAt: '2025-01-02T03:04:04.000Z', replay: 'sync_client -C /etc/imapd.conf -u alice',
    }]);
  });
});

describe('writeReportAtomically', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('replaces the file in one rename and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-report-'));
    dirs.push(dir);
    const path = join(dir, 'sub', 'last-shutdown.json');
    const doc = buildShutdownReport(failed, ctx);
    expect(await writeReportAtomically(path, doc)).toEqual({ ok: true, value: undefined });
    expect(await writeReportAtomically(path, { ...doc, stragglers: [1] })).toEqual({ ok: true, value: undefined });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ ...doc, stragglers: [1] });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['last-shutdown.json']);
  });

  it('returns the reason when the directory cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-report-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'file'), '');
    const path = join(dir, 'file', 'report.json');
    const r = await writeReportAtomically(path, buildShutdownReport(failed, ctx));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(new RegExp(`^cannot write shutdown report ${path}: E[A-Z]+$`));
  });
});
