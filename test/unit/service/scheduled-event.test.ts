// The EVENTS unit over (scheduled x due, a run still going, behind, stop), with fake processes.
import { describe, expect, it } from 'vitest';
import { ScheduledEvent } from '../../../src/service/scheduled-event.js';
import { describeUnitState } from '../../../src/service/unit.js';
import { unitWorld } from './unit-world.js';

function eventWorld(entry: string) {
  const w = unitWorld(`EVENTS:\n  checkpoint: { cmd: /usr/lib/cyrus/bin/ctl_cyrusdb -c, ${entry} }\n`);
  return { ...w, event: new ScheduledEvent(w.config.events[0]!, w.deps) };
}

describe('ScheduledEvent', () => {
  it('a period event runs at once, then every period, each run a one-shot', async () => {
    const w = eventWorld('period: 5m');
    w.event.start();
    await w.advance(0); // the first run is due now
    expect(w.spawned).toHaveLength(1);
    expect(w.last().opts.role).toBe('one-shot');
    expect(w.event.state).toEqual({ kind: 'scheduled', dueAt: w.clock.now() + 300_000 });
    expect(w.event.describe().state).toMatch(/^scheduled \(next in 5m00s, at \d\d:\d\d\)$/);
    w.last().exit(0);
    await w.advance(300_000);
    expect(w.spawned).toHaveLength(2);
    expect(w.event.describe()).toMatchObject({ restarts: 1, pids: [w.last().pid] });
  });

  it('never overlaps with itself: a run due while the last one still runs is skipped and said', async () => {
    const w = eventWorld('period: 1m');
    w.event.start();
    await w.advance(0); // the first run is due now
    await w.advance(60_000);
    expect(w.spawned).toHaveLength(1);
    expect(w.events('event.skipped')).toEqual([{ event: 'event.skipped', entry: 'checkpoint', runningPid: w.spawned[0]!.pid }]);
  });

  it('woken late, it runs once, skips the runs missed meanwhile with a warning, and keeps its grid', async () => {
    const w = eventWorld('period: 1m');
    const start = w.clock.now();
    w.event.start();
    await w.advance(0); // the first run is due now
    w.last().exit(0);
    await w.advance(60_000 * 3 + 5_000); // a suspended host
    expect(w.spawned).toHaveLength(2);
    expect(w.events('event.behind')).toEqual([{ event: 'event.behind', entry: 'checkpoint', skipped: 2, lateMs: 125_000 }]);
    expect(w.event.state).toEqual({ kind: 'scheduled', dueAt: start + 4 * 60_000 });
  });

  it('stop cancels the schedule and stops a run that is going', async () => {
    const w = eventWorld('period: 1m');
    w.event.start();
    await w.advance(0); // the first run is due now
    const outcomes = await w.event.stop(w.level());
    expect(outcomes).toHaveLength(1);
    expect(w.last().received).toEqual([{ signal: 'SIGQUIT', step: 'stop' }]);
    await w.advance(600_000);
    expect(w.spawned).toHaveLength(1);
    expect(w.event.state.kind).toBe('stopped');
  });
});

describe('describeUnitState', () => {
  const now = new Date(2026, 11, 2, 3, 31, 5).getTime();
  it.each([
    { state: { kind: 'running' } as const, text: 'running' },
    { state: { kind: 'backoff', restartAt: now + 4_000, failures: 2, retryingEveryMs: undefined } as const, text: 'backoff (restart in 4s)' },
    { state: { kind: 'backoff', restartAt: now + 9_000, failures: 10, retryingEveryMs: 10_000 } as const, text: 'retrying every 10s after 10 failures (restart in 9s)' },
    { state: { kind: 'scheduled', dueAt: now + 1_795_000 } as const, text: 'scheduled (next in 29m55s, at 04:01)' },
    { state: { kind: 'disabled', reason: 'too many failures' } as const, text: 'disabled: too many failures' },
    { state: { kind: 'cooling', until: now + 61_000 } as const, text: 'cooling after too many failures (retrying in 1m01s)' },
  ])('$text', ({ state, text }) => {
    expect(describeUnitState(state, now)).toBe(text);
  });
});
