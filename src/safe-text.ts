// Text from outside (a config value, a key, a child's name) made safe to print on a terminal or in a log.
//
// Control characters (C0, DEL, C1), the Unicode line separators and the bidirectional overrides
// would move the cursor, recolour a terminal or reorder what an operator reads; they are shown as
// escapes instead (`\n`, `\x1b`, `\u202e`). A long value is cut to an excerpt.

/** C0 and C1 controls, DEL, U+2028/2029, the bidi embeddings, overrides and isolates, marks, and ALM. */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

function escape(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `text` with every unsafe character escaped, cut after `maxChars` characters (with `…` and the full length). */
export function safeText(text: string, maxChars = Infinity): string {
  const chars = [...text];
  const cut = chars.length > maxChars ? chars.slice(0, maxChars).join('') : text;
  const escaped = cut.replace(UNSAFE, escape);
  return cut === text ? escaped : `${escaped}… (${chars.length} characters)`;
}

/** True when `text` has a character safeText would escape. */
export const hasUnsafeChars = (text: string): boolean => new RegExp(UNSAFE.source, 'u').test(text);
