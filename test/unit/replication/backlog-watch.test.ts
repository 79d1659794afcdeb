// The backlog watch: levels from thresholds, events only on changes, a snapshot, driven by a
// ManualClock and cancelled with an AbortSignal.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { BACKLOG_THRESHOLDS } from '../../../src/defaults.js';
import { BacklogWatch, levelOf } from '../../../src/replication/backlog-watch.js';
import type { ReplicationProgress } from '../../../src/replication/progress.js';
import type { Channel, ChannelBacklog } from '../../../src/replication/sync-dir.js';

const channel = (name: string): Channel => ({ name, logPath: `/c/sync/${name}/log`, runPath: `/c/sync/${name}/log-run`, consumer: 'sync_client', confFile: '/c.conf', syncHost: 'b', syncPort: undefined, shutdownFile: undefined, syncClient: '/usr/lib/cyrus/bin/sync_client' });

function backlog(name: string, bytes: number, oldestAgeMs: number | undefined, error?: string): ChannelBacklog {
  const files = bytes > 0 ? [`/c/sync/${name}/log`] : [];
  return { channel: name, files, pending: [], bytes, lines: Math.ceil(bytes / 20), oldestAgeMs: files.length > 0 ? oldestAgeMs : undefined, skipped: [], replay: 'sync_client', error };
}

describe('levelOf', () => {
  const KB = 1024;
  const MIN = 60_000;
  it.each([
    [0, undefined, 'ok'],
    [10 * KB - 1, 2 * MIN - 1, 'ok'],
    [10 * KB, 0, 'warn'],
    [100, 2 * MIN, 'warn'],
    [100 * KB, 0, 'critical'],
    [100, 20 * MIN, 'critical'],
  ] as const)('%i bytes, oldest %s ms -> %s', (bytes, age, level) => {
    expect(levelOf(backlog('', bytes, age), BACKLOG_THRESHOLDS).level).toBe(level);
  });
  it('names the crossed thresholds, and counts an unreadable channel as critical', () => {
    expect(levelOf(backlog('', 20 * 1024, 3 * 60_000)).reasons).toEqual(['bytes 20480 >= 10240', 'oldest entry 180000 ms >= 120000 ms']);
    expect(levelOf(backlog('', 0, undefined, 'EACCES'))).toEqual({ level: 'critical', reasons: ['unreadable: EACCES'] });
  });
  it('counts a user sync_client skips as warn, on top of what the thresholds say', () => {
    const skipped = [{ user: 'bob', path: '/c/sync/skipuser-bob' }];
    expect(levelOf({ ...backlog('', 0, undefined), skipped })).toEqual({ level: 'warn', reasons: ['user bob skipped (/c/sync/skipuser-bob)'] });
    expect(levelOf({ ...backlog('', 20 * 1024, 0), skipped }).reasons).toEqual(['bytes 20480 >= 10240', 'user bob skipped (/c/sync/skipuser-bob)']);
    expect(levelOf({ ...backlog('', 100 * 1024, 0), skipped }).level).toBe('critical');
  });
});

/** Lets the watch's pending promise callbacks run until it parks in clock.sleep. */
async function parked(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 100 && clock.pending === 0; i++) await new Promise((r) => setImmediate(r));
  expect(clock.pending).toBe(1);
}

describe('BacklogWatch', () => {
  it('emits only on level changes, per channel, and keeps the last snapshot', async () => {
    const clock = new ManualClock(0);
    const state: Record<string, ChannelBacklog> = { '': backlog('', 0, undefined), east: backlog('east', 0, undefined) };
    const events: ReplicationProgress[] = [];
    const watch = new BacklogWatch([channel(''), channel('east')], { clock, onEvent: (e) => events.push(e), read: (c) => Promise.resolve(state[c.name] as ChannelBacklog) }, { intervalMs: 1_000 });
    expect(watch.snapshot()).toEqual({ checkedAtMs: undefined, level: 'ok', channels: [] });
    const stop = new AbortController();
    const running = watch.run(stop.signal);

    await parked(clock);
    expect(events).toEqual([]);
    expect(watch.snapshot()).toMatchObject({ checkedAtMs: 0, level: 'ok' });

    state.east = backlog('east', 20_000, 1_000);
    clock.advance(1_000);
    await parked(clock);
    expect(events).toEqual([{ event: 'replication.backlog.level', channel: 'east', from: 'ok', to: 'warn', bytes: 20_000, lines: 1_000, oldestAgeMs: 1_000, reasons: ['bytes 20000 >= 10240'] }]);

    // same level, bigger backlog: nothing new
    state.east = backlog('east', 30_000, 2_000);
    clock.advance(1_000);
    await parked(clock);
    expect(events).toHaveLength(1);
    expect(watch.snapshot().channels[1]?.backlog.bytes).toBe(30_000);

    state.east = backlog('east', 30_000, 25 * 60_000);
    clock.advance(1_000);
    await parked(clock);
    expect(events.at(-1)).toMatchObject({ channel: 'east', from: 'warn', to: 'critical' });
    expect(watch.snapshot()).toMatchObject({ checkedAtMs: 3_000, level: 'critical' });

    state.east = backlog('east', 0, undefined);
    clock.advance(1_000);
    await parked(clock);
    expect(events.at(-1)).toMatchObject({ channel: 'east', from: 'critical', to: 'ok', reasons: [] });
    expect(events.map((e) => (e.event === 'replication.backlog.level' ? e.channel : '?'))).toEqual(['east', 'east', 'east']);

    stop.abort();
    await running;
    expect(clock.pending).toBe(0);
  });

  it('check() can be called by hand (status command) without running the loop', async () => {
    const clock = new ManualClock(5);
    const watch = new BacklogWatch([channel('')], { clock, onEvent: () => undefined, read: () => Promise.resolve(backlog('', 200 * 1024, 0)) });
    expect((await watch.check()).level).toBe('critical');
  });
});
