// systemd time spans (`240s`, `4min`, `1min 30s`, `infinity`), as in TimeoutStopSec= and --stop-budget.
import { err, ok, type Result } from '../errors.js';

/** A duration, or no limit at all. */
export type Timespan = { readonly kind: 'ms'; readonly ms: number } | { readonly kind: 'infinity' };

/** Milliseconds per unit, with systemd.time(7)'s spellings. */
const UNIT_MS: Record<string, number> = {
  us: 0.001, usec: 0.001, 'µs': 0.001,
  ms: 1, msec: 1,
  s: 1000, sec: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
  M: 2_629_800_000, month: 2_629_800_000, months: 2_629_800_000,
  y: 31_557_600_000, year: 31_557_600_000, years: 31_557_600_000,
};

/** Parses a systemd time span; a bare number is seconds (`90` = `90s`), `0` and `infinity` mean no limit. */
export function parseTimespan(text: string): Result<Timespan, string> {
  const t = text.trim();
  if (t === 'infinity') return ok({ kind: 'infinity' });
  if (t === '') return err('empty time span');
  const part = /(\d+(?:\.\d+)?)\s*([a-zA-Zµ]*)\s*/y;
  let total = 0;
  let at = 0;
  while (at < t.length) {
    part.lastIndex = at;
    const m = part.exec(t);
    if (m === null) return err(`not a time span: ${JSON.stringify(text)} (expected e.g. 90s, 4min, 1min 30s)`);
    const unit = m[2] ?? '';
    const perUnit = unit === '' ? 1000 : UNIT_MS[unit];
    if (perUnit === undefined) return err(`unknown time unit ${JSON.stringify(unit)} in ${JSON.stringify(text)}`);
    total += Number(m[1]) * perUnit;
    at = part.lastIndex;
  }
  return ok(total === 0 ? { kind: 'infinity' } : { kind: 'ms', ms: Math.round(total) });
}
