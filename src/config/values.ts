// Parsers of the plain scalar kinds (strings, booleans, integers, enums), in the one message template.
import { err, ok, type Result } from '../errors.js';
import { expected } from './describe.js';

/** A scalar check: the typed value or the message "expected ..., got ...". */
export type Parse<T> = (v: unknown) => Result<T, string>;

export const nonEmptyString: Parse<string> = (v) => (typeof v === 'string' && v !== '' ? ok(v) : err(expected('a non-empty string', v)));

export const string: Parse<string> = (v) => (typeof v === 'string' ? ok(v) : err(expected('a string', v)));

export const boolean: Parse<boolean> = (v) => (typeof v === 'boolean' ? ok(v) : err(expected('true or false', v)));

/** An integer of at least `min`, described as `what` ("a non-negative integer"). */
export function integerAtLeast(min: number, what: string): Parse<number> {
  return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min ? ok(v) : err(expected(what, v)));
}

export const nonNegativeInteger = integerAtLeast(0, 'a non-negative integer');
export const positiveInteger = integerAtLeast(1, 'a positive integer');

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(choices: readonly T[]): Parse<T> {
  return (v) => (typeof v === 'string' && (choices as readonly string[]).includes(v) ? ok(v as T) : err(expected(`one of ${choices.join(', ')}`, v)));
}

/** A parser that also rejects zero, for durations that must not be instantaneous. */
export function positive(parse: Parse<number>, what: string): Parse<number> {
  return (v) => {
    const r = parse(v);
    return r.ok && r.value === 0 ? err(expected(what, v)) : r;
  };
}
