// IMAP response data (RFC 3501 section 4) as values: atoms, strings (quoted or literal), NIL and
// parenthesized lists. Enough for the responses `quiesce compare` reads: LIST, FETCH, NAMESPACE.
//
// The text is read as latin1, one character per byte, so a literal's `{N}` (a count of bytes)
// counts characters here; names are decoded back to UTF-8 by the caller that needs them.

/** One value of a response. */
export type ImapValue = string | null | readonly ImapValue[];

/** Where a record (one response, literals included) ends in `text` from `start`, or -1 when it is not all there yet. */
export function recordEnd(text: string, start: number): number {
  let i = start;
  for (;;) {
    const eol = text.indexOf('\r\n', i);
    if (eol < 0) return -1;
    const literal = /\{(\d+)\+?\}$/.exec(text.slice(i, eol));
    if (literal === null) return eol + 2;
    i = eol + 2 + Number(literal[1]);
    if (i > text.length) return -1;
  }
}

/** Parses the values of one record (without its final CRLF); throws on malformed input (caught by the session). */
export function parseValues(text: string): ImapValue[] {
  const stack: ImapValue[][] = [[]];
  let i = 0;
  const top = (): ImapValue[] => stack[stack.length - 1] as ImapValue[];
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '(') {
      const list: ImapValue[] = [];
      top().push(list);
      stack.push(list);
      i++;
    } else if (c === ')') {
      if (stack.length === 1) throw new Error(`unbalanced ) at ${i}`);
      stack.pop();
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\') i++;
        s += text[i] ?? '';
        i++;
      }
      if (i >= text.length) throw new Error('unterminated quoted string');
      top().push(s);
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)\+?\}\r\n/.exec(text.slice(i, i + 24));
      if (m === null) throw new Error(`bad literal at ${i}`);
      const from = i + m[0].length;
      top().push(text.slice(from, from + Number(m[1])));
      i = from + Number(m[1]);
    } else {
      let j = i;
      while (j < text.length && !' ()"\r\n'.includes(text[j] as string)) j++;
      const atom = text.slice(i, j);
      top().push(atom.toUpperCase() === 'NIL' ? null : atom);
      i = j;
    }
  }
  if (stack.length !== 1) throw new Error('unbalanced (');
  return stack[0] as ImapValue[];
}

/** An IMAP string for a command: an atom-safe name as is, anything else quoted (pure). */
export function quoteImap(s: string): string {
  return /^[A-Za-z0-9._\-/&+,]+$/.test(s) ? s : `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Reads a latin1-decoded IMAP string back as UTF-8 (mailbox names are modified UTF-7, i.e. ASCII, but logins need not be). */
export const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');
