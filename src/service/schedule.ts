// When an EVENTS entry runs next: every `period`, or daily `at` a local time.
import type { Schedule } from '../config/types.js';

/**
 * The first run: a `period` event runs at once (as Cyrus master does), an `at` event at its next
 * local time.
 */
export function firstRun(schedule: Schedule, nowMs: number): number {
  switch (schedule.kind) {
    case 'period':
      return nowMs;
    case 'at':
      return nextAt(schedule.hour, schedule.minute, nowMs);
    default:
      return ((x: never) => x)(schedule);
  }
}

/** The run after the one due at `dueMs`, strictly after `nowMs` (runs missed while busy are not made up). */
export function nextRun(schedule: Schedule, dueMs: number, nowMs: number): number {
  switch (schedule.kind) {
    case 'period': {
      const periodMs = Math.max(1, schedule.periodMs);
      const missed = Math.floor((nowMs - dueMs) / periodMs);
      return dueMs + (Math.max(0, missed) + 1) * periodMs;
    }
    case 'at':
      return nextAt(schedule.hour, schedule.minute, nowMs);
    default:
      return ((x: never) => x)(schedule);
  }
}

/** The next local HH:MM strictly after `nowMs`; Date handles DST (the wall time is kept). */
function nextAt(hour: number, minute: number, nowMs: number): number {
  const d = new Date(nowMs);
  d.setHours(hour, minute, 0, 0);
  if (d.getTime() <= nowMs) {
    d.setDate(d.getDate() + 1);
    d.setHours(hour, minute, 0, 0);
  }
  return d.getTime();
}
