// How a config value is quoted in a diagnostic: "got `-1`", "got a list"; never raw control
// characters, never more than a short excerpt.
import { safeText } from '../safe-text.js';
import { LIMITS } from './limits.js';

/** A name or value from the file, quoted for a message: `imap`, `\x1b[31m…`. */
export const quoted = (text: string): string => `\`${safeText(text, LIMITS.excerptChars)}\``;

/** The value as a message shows it after "got". */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (v === '') return 'an empty string';
  if (typeof v === 'string') return quoted(v);
  return quoted(JSON.stringify(v) ?? typeof v);
}

/** The one template of a type problem: "expected X, got `Y`". */
export function expected(what: string, v: unknown): string {
  return `expected ${what}, got ${describeValue(v)}`;
}
