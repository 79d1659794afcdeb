// EVENTS cron schedules, in local time, stepped with an injected clock (plain numbers here): names,
// both day fields restricted, a DST change either way, `at` as a daily cron, and falling behind.
process.env.TZ = 'Europe/Berlin'; // before any Date is made in this file: Node reads TZ when it changes
import { describe, expect, it } from 'vitest';
import { parseCron } from '../../../src/config/cron.js';
import type { Schedule } from '../../../src/config/types.js';
import { firstRun, missedRuns, nextRun } from '../../../src/service/schedule.js';

/** Local time in Berlin, written as it would be read off a wall clock there. */
const local = (text: string): number => new Date(text).getTime();
const show = (ms: number): string => new Date(ms).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' });

function cron(expression: string): Schedule {
  const r = parseCron(expression);
  if (!r.ok) throw new Error(r.error);
  return { kind: 'cron', expression: r.value };
}

/** The next `n` runs after `fromMs`, each computed from the one before, as a ScheduledEvent does. */
function runs(s: Schedule, fromMs: number, n: number): string[] {
  const out: string[] = [];
  let due = firstRun(s, fromMs);
  for (let i = 0; i < n; i++) {
    out.push(show(due));
    due = nextRun(s, due, due);
  }
  return out;
}

describe('cron schedules', () => {
  it('day-of-month OR day-of-week when both are restricted (crontab(5)): the 13th and every Friday', () => {
    expect(runs(cron('0 4 13 * fri'), local('2026-04-01T00:00'), 5)).toEqual(['2026-04-03 04:00:00', '2026-04-10 04:00:00', '2026-04-13 04:00:00', '2026-04-17 04:00:00', '2026-04-24 04:00:00']);
  });

  it('lists, ranges, steps and names of months and days, case-insensitive', () => {
    expect(runs(cron('*/20 9-10 * JAN-feb Mon,wed'), local('2026-01-31T00:00'), 7)).toEqual([
      '2026-02-02 09:00:00', '2026-02-02 09:20:00', '2026-02-02 09:40:00', '2026-02-02 10:00:00', '2026-02-02 10:20:00', '2026-02-02 10:40:00', '2026-02-04 09:00:00',
    ]);
  });

  it('Sunday is 0 or 7', () => {
    expect(runs(cron('30 6 * * 7'), local('2026-03-01T07:00'), 2)).toEqual(runs(cron('30 6 * * 0'), local('2026-03-01T07:00'), 2));
  });

  it('spring forward: a time in the gap runs once, at the first minute after it; autumn: a time that occurs twice runs once', () => {
    // 2026-03-29 02:00 -> 03:00 in Berlin; 2026-10-25 03:00 -> 02:00
    expect(runs(cron('30 2 * * *'), local('2026-03-28T12:00'), 3)).toEqual(['2026-03-29 03:00:00', '2026-03-30 02:30:00', '2026-03-31 02:30:00']);
    const autumn = runs(cron('30 2 * * *'), local('2026-10-24T12:00'), 3);
    expect(autumn).toEqual(['2026-10-25 02:30:00', '2026-10-26 02:30:00', '2026-10-27 02:30:00']);
  });

  it('`at: 0401` is `cron: "1 4 * * *"`, and keeps the wall-clock time across a DST change', () => {
    const at: Schedule = { kind: 'at', hour: 4, minute: 1 };
    expect(runs(at, local('2026-03-28T05:00'), 3)).toEqual(runs(cron('1 4 * * *'), local('2026-03-28T05:00'), 3));
    expect(runs(at, local('2026-03-28T05:00'), 2)).toEqual(['2026-03-29 04:01:00', '2026-03-30 04:01:00']);
  });

  it('an event that fell behind skips the runs it missed, and says how many', () => {
    const every15 = cron('*/15 * * * *');
    const due = local('2026-05-01T10:00');
    const woke = local('2026-05-01T11:07'); // suspended for an hour
    expect(missedRuns(every15, due, woke)).toBe(4); // 10:15, 10:30, 10:45, 11:00
    expect(show(nextRun(every15, due, woke))).toBe('2026-05-01 11:15:00');
    const period: Schedule = { kind: 'period', periodMs: 30 * 60_000 };
    expect(missedRuns(period, due, woke)).toBe(2); // 10:30 and 11:00; the phase is kept
    expect(show(nextRun(period, due, woke))).toBe('2026-05-01 11:30:00');
    expect(missedRuns(every15, due, local('2026-05-01T10:14'))).toBe(0);
  });

  it.each([
    ['61 * * * *', /Invalid value for minute: 61/],
    ['* * * *', /expected a crontab schedule/],
    ['0 0 * * * *', /expected a crontab schedule/],
    ['0 0 L * *', /expected a crontab schedule/],
    ['0 0 ? * 1', /expected a crontab schedule/],
    ['0 0 * * 1#2', /expected a crontab schedule/],
    ['@daily', /expected a crontab schedule/],
  ])('refuses `%s`, as Cyrus does', (expression, message) => {
    const r = parseCron(expression);
    expect(r.ok ? 'accepted' : r.error).toMatch(message);
  });
});
