// How Cyrus master reads a cyrus.conf value as a number, a switch or a time of day.

/** An integer as `masterconf_getint` reads it: `exact` is false when atoi ignored a tail (`5x`). */
export interface CyrusInt {
  readonly n: number;
  readonly exact: boolean;
}

/**
 * `masterconf_getint`: a value that starts with a digit or `-digit` is read by `atoi`; anything
 * else makes master use the key's default (and log at debug level only). Undefined = default.
 */
export function readCyrusInt(value: string): CyrusInt | undefined {
  const m = /^-?[0-9]+/.exec(value);
  if (m === null) return undefined;
  return { n: Number.parseInt(m[0], 10), exact: m[0] === value };
}

/**
 * `masterconf_getswitch`: decided by the first letters, case-sensitively: `0`, `n...`, `of...`,
 * `f...` are false; `1`, `y...`, `on...`, `t...` are true; anything else (`2`, `Yes`) makes master
 * use the default. Undefined = default.
 */
export function readCyrusSwitch(value: string): boolean | undefined {
  if (/^(0|n|of|f)/.test(value)) return false;
  if (/^(1|y|on|t)/.test(value)) return true;
  return undefined;
}

/** `at=HHMM` as master reads it (an integer, so `at=400` is 04:00) -> quiesce's `"HHMM"`. */
export function atFromInt(at: number): string | undefined {
  const hour = Math.floor(at / 100);
  const minute = at % 100;
  if (at < 0 || hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, '0')}${String(minute).padStart(2, '0')}`;
}

/**
 * `cron="M H * * *"` (Cyrus 3.7+), the one cron form with a quiesce equivalent: daily at H:M,
 * which is exactly what `at` meant. Undefined for every other cron spec.
 */
export function atFromCron(spec: string): string | undefined {
  const m = /^\s*([0-9]{1,2})\s+([0-9]{1,2})\s+\*\s+\*\s+\*\s*$/.exec(spec);
  if (m === null) return undefined;
  const minute = Number(m[1]);
  const hour = Number(m[2]);
  return minute > 59 || hour > 23 ? undefined : atFromInt(hour * 100 + minute);
}
