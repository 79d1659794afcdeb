// An EVENTS entry's `period`, `at` and `cron` -> quiesce's `period` (minutes) or `at` ("HHMM").
//
// Cyrus 3.6 `add_event`: a valid `at` wins and runs the command daily; otherwise it runs now and
// every `period` minutes, and with no period (0) it runs ONCE, at startup. Cyrus 3.7+ adds
// `cron`, which wins over both and of which only `M H * * *` (daily) has a quiesce equivalent.
import type { EntryProblem } from './entry.js';
import type { CyrusArg } from './line.js';
import { atFromCron, atFromInt, readCyrusInt } from './values.js';

/** The schedule to emit, or undefined when the entry has none quiesce can run. */
export interface ConvertedSchedule {
  readonly schedule: { readonly period: number } | { readonly at: string } | undefined;
  readonly problems: readonly EntryProblem[];
}

/** Reads the first `period`, `at` and `cron` of an EVENTS entry; `nameCol` positions entry-level problems. */
export function convertSchedule(args: ReadonlyMap<string, CyrusArg>, nameCol: number): ConvertedSchedule {
  const problems: EntryProblem[] = [];
  const problem = (arg: CyrusArg, message: string, kind: EntryProblem['kind'] = 'problem'): void => {
    problems.push({ col: arg.col, key: arg.key, message, kind });
  };
  const period = args.get('period');
  const at = args.get('at');
  const cron = args.get('cron');

  if (cron !== undefined) {
    for (const other of [at, period]) {
      if (other !== undefined) problem(other, `\`${other.key}\` is ignored by Cyrus when \`cron\` is set, dropped`);
    }
    const daily = atFromCron(cron.value);
    if (daily !== undefined) return { schedule: { at: daily }, problems };
    problem(cron, `quiesce has no cron schedules, only \`period\` and daily \`at\` ("M H * * *"): \`cron="${cron.value}"\` cannot be converted, entry dropped`);
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
