// Parsers of the plain scalar kinds (strings, booleans, integers, enums), in the one message template.
// Every string that can reach a system call is refused when it holds a NUL character: execve,
// open and bind would cut it there (Node throws instead).
import { err, ok, type Result } from '../errors.js';
import { expected } from './describe.js';

/** A scalar check: the typed value or the message "expected ..., got ...". */
export type Parse<T> = (v: unknown) => Result<T, string>;

/** The message for a string with a NUL character in it. */
export const NUL_MESSAGE = 'contains a NUL character (`\\0`), which no program, path or environment variable can hold';

const withoutNul = (s: string): Result<string, string> => (s.includes('\0') ? err(NUL_MESSAGE) : ok(s));

export const nonEmptyString: Parse<string> = (v) => (typeof v === 'string' && v !== '' ? withoutNul(v) : err(expected('a non-empty string', v)));

export const string: Parse<string> = (v) => (typeof v === 'string' ? withoutNul(v) : err(expected('a string', v)));

export const boolean: Parse<boolean> = (v) => (typeof v === 'boolean' ? ok(v) : err(expected('true or false', v)));

/** An integer from `min` to `max` (both included), described as `what` ("a non-negative integer"). */
export function integerIn(min: number, max: number, what: string): Parse<number> {
  return (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) return err(expected(what, v));
    return v > max ? err(expected(`${what} of at most ${max}`, v)) : ok(v);
  };
}

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

/** An environment variable name: not empty, no `=` (execve would split it there), no NUL. */
export const envName: Parse<string> = (v) => {
  if (typeof v !== 'string' || v === '') return err(expected('an environment variable name', v));
  if (v.includes('=')) return err(expected('an environment variable name without `=`', v));
  return withoutNul(v);
};

const ENTRY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * An entry name: it names the entry's processes in every log line and status row, and is passed
 * to Cyrus programs as CYRUS_SERVICE, so it is kept to a plain word.
 */
export const entryName = (maxChars: number): Parse<string> => (v) => {
  if (typeof v !== 'string' || !ENTRY_NAME.test(v)) return err(expected('an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit', v));
  return v.length > maxChars ? err(expected(`an entry name of at most ${maxChars} characters`, v)) : ok(v);
};
