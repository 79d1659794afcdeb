// The stop timeout a systemd unit file gives its service (TimeoutStopSec=, TimeoutSec=).
import { err, ok, type Result } from '../errors.js';
import { parseTimespan, type Timespan } from './timespan.js';

/** systemd's DefaultTimeoutStopSec= when the unit sets nothing (systemd-system.conf(5)). */
export const SYSTEMD_DEFAULT_STOP_TIMEOUT_MS = 90_000;

/** The stop timeout and where it came from. */
export interface UnitStopTimeout {
  readonly timeout: Timespan;
  /** `TimeoutStopSec=240s (line 32)`, or `systemd's default`. */
  readonly source: string;
}

/**
 * Reads the effective stop timeout of a unit file's [Service] section. Assignments apply in
 * order: TimeoutSec= sets the stop timeout too, the last one wins, and an empty value resets to the default.
 */
export function stopTimeoutOfUnit(text: string): Result<UnitStopTimeout, string> {
  let section = '';
  let found: UnitStopTimeout | undefined;
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      section = line;
      continue;
    }
    const m = /^(TimeoutStopSec|TimeoutSec)\s*=\s*(.*)$/.exec(line);
    if (section !== '[Service]' || m === null) continue;
    const value = (m[2] ?? '').trim();
    if (value === '') {
      found = undefined;
      continue;
    }
    const span = parseTimespan(value);
    if (!span.ok) return err(`line ${i + 1}: ${m[1]}=: ${span.error}`);
    found = { timeout: span.value, source: `${m[1]}=${value} (line ${i + 1})` };
  }
  return ok(found ?? { timeout: { kind: 'ms', ms: SYSTEMD_DEFAULT_STOP_TIMEOUT_MS }, source: "systemd's default DefaultTimeoutStopSec=90s" });
}
