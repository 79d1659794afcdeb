// Flush decisions with a fake sync_client that moves the files the way `sync_client -R -1` does:
// progress is judged on disk, never on the exit code; retries are bounded; what is left is named.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import type { ReplicationProgress } from '../../../src/replication/progress.js';
import { FLUSH_DEFAULTS } from '../../../src/defaults.js';
import { flush } from '../../../src/replication/flush.js';
import { runFlushCommand } from '../../../src/replication/flush-command.js';
import { loadImapdConf, type ImapdConf } from '../../../src/config/imapd-conf.js';
import type { RunOutcome, SyncClientRunner } from '../../../src/replication/sync-client-run.js';

/** A clock whose sleeps return at once, moving time forward. */
class JumpingClock implements Clock {
  nowMs = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.nowMs;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.nowMs += ms;
    return Promise.resolve();
  }
}

let dir: string;
let conf: ImapdConf;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-flush-'));
  writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${dir}\nsync_log: yes\nsync_host: 127.0.0.1\nsync_log_channels: "" squatter\n`);
  const r = loadImapdConf(join(dir, 'imapd.conf'));
  if (!r.ok) throw new Error(r.error);
  conf = r.value;
  mkdirSync(join(dir, 'sync'), { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const log = () => join(dir, 'sync/log');
const run = () => join(dir, 'sync/log-run');
const exited0: RunOutcome = { kind: 'exited', code: 0, signal: null, durationMs: 5, output: '' };

/** sync_client -R -1: log-run if present, else log renamed to log-run; unlinked when `replicaUp`. */
function fakeSyncClient(replicaUp: () => boolean, calls: (readonly string[])[] = []): SyncClientRunner {
  return (argv) => {
    calls.push(argv);
    if (!existsSync(run()) && existsSync(log())) renameSync(log(), run());
    if (replicaUp() && existsSync(run())) unlinkSync(run());
    return Promise.resolve(exited0);
  };
}

/** A flush with a replica that takes everything, recording sync_client's command lines and the events. */
async function flushRecorded() {
  const calls: (readonly string[])[] = [];
  const events: ReplicationProgress[] = [];
  const r = await flush(conf, new JumpingClock(), { runner: fakeSyncClient(() => true, calls), onEvent: (e) => events.push(e) });
  return { r, calls, events };
}

describe('flush', () => {
  it('replays log-run, then log, one run each, and verifies the channel empty', async () => {
    writeFileSync(run(), 'MAILBOX user.a\n');
    writeFileSync(log(), 'APPEND user.b\nMAILBOX user.b\n');
    const { r, calls, events } = await flushRecorded();
    expect(r.ok).toBe(true);
    expect(calls).toEqual([
      ['/usr/lib/cyrus/bin/sync_client', '-C', conf.file, '-R', '-1'],
      ['/usr/lib/cyrus/bin/sync_client', '-C', conf.file, '-R', '-1'],
    ]);
    const [c] = r.channels;
    expect(c?.runs.map((x) => [x.file, x.lines, x.progressed])).toEqual([['log-run', 1, true], ['log', 2, true]]);
    expect(c).toMatchObject({ channel: '', empty: true, attempts: 1, lastError: undefined });
    expect(r.skipped).toEqual([{ channel: 'squatter', reason: expect.stringContaining('squatter -R') as string }]);
    expect(events.map((e) => e.event)).toEqual(['replication.flush.run', 'replication.flush.run-ended', 'replication.flush.run', 'replication.flush.run-ended', 'replication.flush.channel', 'replication.flush.skipped']);
  });

  it('runs nothing on an empty channel (sync_client would connect to the replica first)', async () => {
    const calls: (readonly string[])[] = [];
    const r = await flush(conf, new JumpingClock(), { runner: fakeSyncClient(() => true, calls) });
    expect(calls).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.channels[0]).toMatchObject({ attempts: 0, empty: true });
  });

  it('does not trust exit 0: a batch that stayed in log-run is a failed attempt, retried after the delay, then reported', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const clock = new JumpingClock();
    const r = await flush(conf, clock, { runner: fakeSyncClient(() => false), attempts: 3, retryDelayMs: 7_000 });
    expect(r.ok).toBe(false);
    const [c] = r.channels;
    expect(c?.attempts).toBe(3);
    expect(c?.runs.map((x) => [x.attempt, x.file, x.progressed])).toEqual([[1, 'log', false], [2, 'log-run', false], [3, 'log-run', false]]);
    expect(c?.lastError).toMatch(/exited 0 .* but log-run is still there: the batch did not reach the replica/);
    expect(c?.left.files).toEqual([run()]);
    expect(clock.sleeps).toEqual([7_000, 7_000]);
  });

  it('succeeds on a later attempt when the replica comes back', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    let runs = 0;
    const r = await flush(conf, new JumpingClock(), { runner: fakeSyncClient(() => ++runs > 1) });
    expect(r.ok).toBe(true);
    expect(r.channels[0]).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/log-run \(renamed from log\) is left behind/) as string });
  });

  it('names an unreachable replica and a timeout as the reason', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const unreachable: SyncClientRunner = () => Promise.resolve({ kind: 'unreachable', line: "Can not connect to server '127.0.0.1', retrying in 15 seconds", durationMs: 3, output: '' });
    const r = await flush(conf, new JumpingClock(), { runner: unreachable, attempts: 1 });
    expect(r.channels[0]?.lastError).toMatch(/replica unreachable .*Can not connect to server/);
    const timedOut: SyncClientRunner = () => Promise.resolve({ kind: 'timed-out', durationMs: 60_000, output: 'ENABLE 0x800\n' });
    const t = await flush(conf, new JumpingClock(), { runner: timedOut, attempts: 1 });
    expect(t.channels[0]?.lastError).toMatch(/timed out after 60000 ms .*its output ends: ENABLE 0x800/);
  });

  it('gives up on a channel a writer keeps refilling, after maxRunsPerAttempt runs', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const refill: SyncClientRunner = async (argv, limits, clock) => {
      const out = await fakeSyncClient(() => true)(argv, limits, clock);
      writeFileSync(log(), 'MAILBOX user.a\n');
      return out;
    };
    const r = await flush(conf, new JumpingClock(), { runner: refill, attempts: 1 });
    expect(r.channels[0]?.runs).toHaveLength(FLUSH_DEFAULTS.maxRunsPerAttempt);
    expect(r.channels[0]?.lastError).toMatch(/is a writer still appending/);
  });

  it('replays another log file (an old log-<pid>) with sync_client -R -f, removes it once that exited 0, and replays log too', async () => {
    const old = join(dir, 'sync/log-4242');
    writeFileSync(old, 'USER alice\n');
    writeFileSync(log(), 'MAILBOX user.b\n');
    const { r, calls, events } = await flushRecorded();
    expect(r.ok).toBe(true);
    expect(calls).toEqual([
      ['/usr/lib/cyrus/bin/sync_client', '-C', conf.file, '-R', '-1'],
      ['/usr/lib/cyrus/bin/sync_client', '-C', conf.file, '-R', '-f', old],
    ]);
    expect(r.channels[0]?.runs.map((x) => [x.file, x.progressed])).toEqual([['log', true], ['log-4242', true]]);
    expect(existsSync(old)).toBe(false);
    expect(events.filter((e) => e.event === 'replication.flush.run').map((e) => e.event === 'replication.flush.run' && e.command)).toEqual([
      `/usr/lib/cyrus/bin/sync_client -C ${conf.file} -R -1`,
      `/usr/lib/cyrus/bin/sync_client -C ${conf.file} -R -f ${old}`,
    ]);
  });

  it('keeps another log file when its sync_client run fails, and names it', async () => {
    const old = join(dir, 'sync/log-4242');
    writeFileSync(old, 'USER alice\n');
    const failed: SyncClientRunner = () => Promise.resolve({ kind: 'exited', code: 75, signal: null, durationMs: 4, output: 'IOERROR: user alice\n' });
    const r = await flush(conf, new JumpingClock(), { runner: failed, attempts: 1 });
    expect(r.ok).toBe(false);
    expect(existsSync(old)).toBe(true);
    expect(r.channels[0]?.lastError).toMatch(/sync_client on log-4242: exited 75 .*its output ends: IOERROR: user alice/);
    expect(r.channels[0]?.left.files).toEqual([old]);
  });

  it('is not ok while sync_client skips a user, though nothing is pending, and runs nothing for it', async () => {
    writeFileSync(join(dir, 'sync/skipuser-alice'), '');
    const calls: (readonly string[])[] = [];
    const r = await flush(conf, new JumpingClock(), { runner: fakeSyncClient(() => true, calls) });
    expect(calls).toEqual([]);
    expect(r.ok).toBe(false);
    expect(r.channels[0]).toMatchObject({ empty: true, left: { skipped: [{ user: 'alice', path: join(dir, 'sync/skipuser-alice') }] } });
    const lines: string[] = [];
    expect(await runFlushCommand({ config: conf.file }, (l) => lines.push(l), { runner: fakeSyncClient(() => true), clock: new JumpingClock() })).toBe(4);
    expect(lines).toContain(`channel (default): user alice NOT replicated: sync_client skips it (${join(dir, 'sync/skipuser-alice')})`);
    expect(lines).toContain(`channel (default): replay by hand (replica reachable, once per file, until none is left): rm -- ${join(dir, 'sync/skipuser-alice')} && /usr/lib/cyrus/bin/sync_client -C ${conf.file} -u alice`);
    expect(lines.at(-1)).toMatch(/^flush: NOT replicated: \(default\)/);
  });

  it('stops between attempts when cancelled', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const cancel = new AbortController();
    const r = await flush(conf, new JumpingClock(), {
      runner: (argv, limits, clock) => (cancel.abort(), fakeSyncClient(() => false)(argv, limits, clock)),
      cancel: cancel.signal,
    });
    expect(r.ok).toBe(false);
    expect(r.channels[0]?.attempts).toBe(1);
  });
});

describe('runFlushCommand', () => {
  it('exits 0 and says verified when everything was replayed', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const lines: string[] = [];
    const code = await runFlushCommand({ config: conf.file }, (l) => lines.push(l), { runner: fakeSyncClient(() => true), clock: new JumpingClock() });
    expect(code).toBe(0);
    expect(lines.at(-1)).toMatch(/^flush: every replication channel is empty/);
    expect(lines).toContain('channel (default): verified empty');
  });

  it('exits 4 and names what is left with the command that replays it', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const lines: string[] = [];
    const code = await runFlushCommand({ config: conf.file, attempts: '2', timeout: '5s', retryDelay: '1s' }, (l) => lines.push(l), { runner: fakeSyncClient(() => false), clock: new JumpingClock() });
    expect(code).toBe(4);
    expect(lines).toContain(`channel (default): replay by hand (replica reachable, once per file, until none is left): /usr/lib/cyrus/bin/sync_client -C ${conf.file} -R -1`);
    expect(lines.some((l) => /^channel \(default\): LEFT: log-run, 1 lines, 15 bytes, oldest entry \d+(ms|s)$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^flush: NOT replicated: \(default\)/);
  });

  it('prints one JSON document with --json', async () => {
    writeFileSync(log(), 'MAILBOX user.a\n');
    const lines: string[] = [];
    const code = await runFlushCommand({ config: conf.file, json: true }, (l) => lines.push(l), { runner: fakeSyncClient(() => true), clock: new JumpingClock() });
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0] as string) as { ok: boolean; channels: { channel: string; empty: boolean; runs: unknown[] }[] };
    expect(doc.ok).toBe(true);
    expect(doc.channels).toMatchObject([{ channel: '', empty: true, runs: [{ file: 'log', progressed: true }] }]);
  });

  it('exits 78 on a bad imapd.conf and 64 on a bad option', async () => {
    writeFileSync(join(dir, 'bad.conf'), 'configdirectory = /x\n');
    const lines: string[] = [];
    expect(await runFlushCommand({ config: join(dir, 'bad.conf') }, (l) => lines.push(l))).toBe(78);
    expect(lines[0]).toMatch(/bad\.conf:1: invalid option name/);
    expect(await runFlushCommand({ config: conf.file, attempts: '0' }, (l) => lines.push(l))).toBe(64);
    expect(await runFlushCommand({ config: conf.file, timeout: 'soon' }, (l) => lines.push(l))).toBe(64);
  });
});
