// An EVENTS entry's `period`, `at` and `cron` -> quiesce's `period` (minutes), `at` ("HHMM") or `cron`.
//
// Cyrus 3.6 `add_event`: a valid `at` wins and runs the command daily; otherwise it runs now and
// every `period` minutes, and with no period (0) it runs ONCE, at startup. Cyrus 3.13 adds `cron`,
// which wins over both; a daily one (`M H * * *`) is written as the `at` it equals.
import { parseCron } from '../config/cron.js';
import { problemsOf, type EntryProblem } from './problem.js';
import type { CyrusArg } from './line.js';
import { atFromCron, atFromInt, readCyrusInt } from './values.js';

/** The schedule to emit, or undefined when the entry has none quiesce can run. */
export interface ConvertedSchedule {
  readonly schedule: { readonly period: number } | { readonly at: string } | { readonly cron: string } | undefined;
  readonly problems: readonly EntryProblem[];
}

/** Reads the first `period`, `at` and `cron` of an EVENTS entry; `nameCol` positions entry-level problems. */
export function convertSchedule(args: ReadonlyMap<string, CyrusArg>, nameCol: number): ConvertedSchedule {
  const problems: EntryProblem[] = [];
  const problem = problemsOf(problems);
  const period = args.get('period');
  const at = args.get('at');
  const cron = args.get('cron');

  if (cron !== undefined) {
    for (const other of [at, period]) {
      if (other !== undefined) problem(other, `\`${other.key}\` is ignored by Cyrus when \`cron\` is set, dropped`);
    }
    const daily = atFromCron(cron.value);
    if (daily !== undefined) return { schedule: { at: daily }, problems };
    const parsed = parseCron(cron.value);
    if (parsed.ok) return { schedule: { cron: parsed.value }, problems };
    problem(cron, `${parsed.error}: Cyrus refuses to start with it, entry dropped`, 'refused');
    return { schedule: undefined, problems };
  }

  if (at !== undefined) {
    const n = readCyrusInt(at.value);
    const daily = n === undefined ? undefined : atFromInt(n.n);
    if (daily !== undefined) {
      if (period !== undefined) problem(period, '`period` is ignored by Cyrus when `at` is set, dropped');
      return { schedule: { at: daily }, problems };
    }
    if (n === undefined || n.n >= 0) problem(at, `\`at=${at.value}\` is not a time HHMM, so Cyrus ignores it, dropped`);
  }

  if (period !== undefined) {
    const n = readCyrusInt(period.value);
    if (n !== undefined && n.n > 0) {
      if (!n.exact) problem(period, `\`${period.value}\` is read as ${n.n} by Cyrus`, 'note');
      return { schedule: { period: n.n }, problems };
    }
  }
  problems.push({
    col: period?.col ?? nameCol,
    key: period?.key,
    kind: 'problem',
    message: 'without a `period` of at least 1 or an `at`, Cyrus runs an event once at startup; quiesce has no such schedule, entry dropped',
  });
  return { schedule: undefined, problems };
}
