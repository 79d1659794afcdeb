// Scalar config values -> typed values: durations, signals, daily times; argv and listen re-exported.
import { constants } from 'node:os';
import { err, ok, type Result } from '../errors.js';
import { expected, quoted } from './describe.js';
import { LIMITS } from './limits.js';

export { splitCommand } from './split-command.js';
export { parseListen } from './listen.js';

const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/;
const DURATION_EXPECTED = 'a duration like 500ms, 10s, 2m, 1h';

/**
 * "500ms" "10s" "2m" "1h" -> milliseconds. A bare number (YAML number or digits) is in `bareUnit`:
 * seconds everywhere, minutes for an EVENTS `period`, as in cyrus.conf.
 */
export function parseDuration(v: unknown, bareUnit: 's' | 'm'): Result<number, string> {
  const what = bareUnit === 'm' ? `${DURATION_EXPECTED} (a bare number is minutes)` : DURATION_EXPECTED;
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return err(expected(what, v));
    ms = Math.round(v * MS_PER_UNIT[bareUnit]);
  } else {
    const m = typeof v === 'string' ? DURATION.exec(v.trim()) : null;
    if (m === null) return err(expected(what, v));
    ms = Math.round(Number(m[1]) * MS_PER_UNIT[(m[2] ?? bareUnit) as keyof typeof MS_PER_UNIT]);
  }
  return ms > LIMITS.durationMs ? err(expected(`a duration of at most ${LIMITS.durationMs / 86_400_000} days`, v)) : ok(ms);
}

/** "SIGQUIT", "QUIT", "quit" -> 'SIGQUIT', when this OS has that signal. */
export function parseSignal(v: unknown): Result<NodeJS.Signals, string> {
  if (typeof v !== 'string') return err(expected('a signal name like SIGQUIT', v));
  const upper = v.trim().toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return Object.hasOwn(constants.signals, name) ? ok(name as NodeJS.Signals) : err(`unknown signal ${quoted(v)}`);
}

/** A daily local time "HHMM" -> {hour, minute}. YAML reads `0400` as the number 400, so both are accepted. */
export function parseAt(v: unknown): Result<{ hour: number; minute: number }, string> {
  const text = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v).padStart(4, '0') : v;
  const m = typeof text === 'string' ? /^(\d{1,2}):?(\d{2})$/.exec(text.trim()) : null;
  const hour = Number(m?.[1]);
  const minute = Number(m?.[2]);
  if (m === null || hour > 23 || minute > 59) return err(expected('a time of day HHMM between 0000 and 2359', v));
  return ok({ hour, minute });
}
