// EVENTS `cron="m h dom mon dow"` (Cyrus 3.13): crontab(5) schedules, read and stepped by croner.
//
// croner (no dependencies, one 33 KB module, about 1.6 MB of RSS once loaded, measured) follows
// the crontab rules Cyrus's lib/cron.c follows: lists, ranges, steps, month and day names
// (case-insensitive), Sunday as 0 or 7, and "day of month OR day of week" when both are
// restricted; times are local. Only what Cyrus accepts is accepted here: five fields of digits,
// names, `*`, `,`, `-` and `/` (croner's seconds, years, `L`, `W`, `#` and `?` are refused).
//
// Daylight saving time, as Vixie cron handles it: a time that does not exist on the day clocks go
// forward runs at the first minute after the gap; a time that occurs twice when they go back runs
// once. (Cyrus, which compares each minute's local time, skips the first and runs the second twice.)
import { Cron } from 'croner';
import { err, ok, type Result } from '../errors.js';
import { expected, quoted } from './describe.js';

const NAMES = /^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat)$/i;

/** Five fields, each a list of ranges and steps of numbers, `*` or names: the grammar of Cyrus's lib/cron.c. */
function isCyrusCron(expression: string): boolean {
  const fields = expression.split(' ');
  return fields.length === 5 && fields.every((f) => f.split(/[,/-]/).every((atom) => atom === '*' || /^\d+$/.test(atom) || NAMES.test(atom)));
}

const parsed = new Map<string, Cron>();

function cronOf(expression: string): Cron {
  let c = parsed.get(expression);
  if (c === undefined) {
    c = new Cron(expression, { paused: true, mode: '5-part' });
    parsed.set(expression, c);
  }
  return c;
}

/** A `cron` value -> its expression (whitespace normalised), or why Cyrus would refuse it. */
export function parseCron(v: unknown): Result<string, string> {
  const what = 'a crontab schedule "minute hour day-of-month month day-of-week" like "30 4 * * 1-5"';
  if (typeof v !== 'string') return err(expected(what, v));
  const expression = v.trim().split(/\s+/).join(' ');
  if (!isCyrusCron(expression)) return err(expected(`${what} (digits, \`*\`, \`,\`, \`-\`, \`/\`, month and day names)`, v));
  try {
    cronOf(expression);
  } catch (e) {
    return err(`${(e instanceof Error ? e.message : String(e)).replace(/^CronPattern: /, '')} in ${quoted(v)}`);
  }
  return ok(expression);
}

/** The first time strictly after `afterMs` that `expression` (already parsed) matches, in local time. */
export function nextCronRun(expression: string, afterMs: number): number {
  const next = cronOf(expression).nextRun(new Date(afterMs));
  // A valid five-field pattern always matches again; null would be a croner bug.
  if (next === null) throw new Error(`bug: cron ${expression} has no next run after ${new Date(afterMs).toISOString()}`);
  return next.getTime();
}
