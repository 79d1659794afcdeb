// When an EVENTS entry runs next: every `period`, or on a crontab schedule (`cron`; `at: HHMM` is
// `cron: "MM HH * * *"`, as in Cyrus 3.13), in local time.
import { nextCronRun } from '../config/cron.js';
import type { Schedule } from '../config/types.js';
import { unreachable } from '../errors.js';

/** Most missed runs counted when an event fell behind (a longer gap is reported as this many). */
const MAX_COUNTED_MISSES = 10_000;

/** The crontab expression of a daily `at`. */
const atExpression = (s: { readonly hour: number; readonly minute: number }): string => `${s.minute} ${s.hour} * * *`;

/** The first run: a `period` event runs at once (as Cyrus master does), the others at their next match. */
export function firstRun(schedule: Schedule, nowMs: number): number {
  switch (schedule.kind) {
    case 'period':
      return nowMs;
    case 'at':
      return nextCronRun(atExpression(schedule), nowMs);
    case 'cron':
      return nextCronRun(schedule.expression, nowMs);
    default:
      return unreachable(schedule);
  }
}

/** The run after the one due at `dueMs`, strictly after `nowMs`: runs missed while behind are not made up. */
export function nextRun(schedule: Schedule, dueMs: number, nowMs: number): number {
  switch (schedule.kind) {
    case 'period': {
      const periodMs = Math.max(1, schedule.periodMs);
      return dueMs + (missedRuns(schedule, dueMs, nowMs) + 1) * periodMs;
    }
    case 'at':
      return nextCronRun(atExpression(schedule), nowMs);
    case 'cron':
      return nextCronRun(schedule.expression, nowMs);
    default:
      return unreachable(schedule);
  }
}

/**
 * How many runs fell due after the one due at `dueMs` and up to `nowMs`: they are skipped (logged
 * `event.behind`, as Cyrus 3.13 logs "periodic event behind schedule ... skipped=N"). A period keeps
 * its phase: the next run stays on the grid of the first.
 */
export function missedRuns(schedule: Schedule, dueMs: number, nowMs: number): number {
  switch (schedule.kind) {
    case 'period':
      return Math.max(0, Math.floor((nowMs - dueMs) / Math.max(1, schedule.periodMs)));
    case 'at':
    case 'cron': {
      const expression = schedule.kind === 'at' ? atExpression(schedule) : schedule.expression;
      let missed = 0;
      for (let t = nextCronRun(expression, dueMs); t <= nowMs && missed < MAX_COUNTED_MISSES; t = nextCronRun(expression, t)) missed += 1;
      return missed;
    }
    default:
      return unreachable(schedule);
  }
}
