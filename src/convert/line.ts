// One cyrus.conf line, tokenized exactly as Cyrus master's `masterconf.c` does it.
//
// The rules, from `process_section` and `split_args` (Cyrus 3.6, unchanged up to 3.13):
// - a line is cut at its first `#`, even inside a quoted value: `cmd="a # b"` is a syntax error;
// - there is no line continuation: one entry, one line;
// - an entry is `name key=value key="value" ...`; the name and every key are letters and digits
//   only (so `squatter_1` is refused), and the name must be followed by white space;
// - a quoted value runs to the next `"` (no escapes) and the next key may follow it directly;
//   an unquoted value runs to the next white space;
// - a duplicated key is allowed, and master reads only the first one.
import { err, ok, type Result } from '../errors.js';

/** One `key=value` argument, positioned at its key (1-based line and column). */
export interface CyrusArg {
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly col: number;
}

/** The tokens of an entry line. */
export interface EntryTokens {
  readonly name: string;
  readonly col: number;
  readonly args: readonly CyrusArg[];
}

/** A syntax error master would refuse the whole file for (`EX_CONFIG`), at its column. */
export interface LineError {
  readonly col: number;
  readonly message: string;
}

/** A raw line split at its first `#`: `code` is what master reads, `comment` what follows `#`. */
export interface SplitLine {
  readonly code: string;
  readonly comment: string | undefined;
}

/** Splits a line at its first `#`, as master does before reading anything else. */
export function splitComment(raw: string): SplitLine {
  const hash = raw.indexOf('#');
  return hash < 0 ? { code: raw, comment: undefined } : { code: raw.slice(0, hash), comment: raw.slice(hash + 1) };
}

/** C `isspace` in the C locale. */
export function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

/** C `isalnum` in the C locale. */
export function isAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

/** Index of the first character at or after `from` that is not white space. */
export function skipSpace(s: string, from: number): number {
  let i = from;
  while (i < s.length && isSpace(s[i])) i++;
  return i;
}

/** Index just past the run of letters and digits starting at `from`. */
export function skipAlnum(s: string, from: number): number {
  let i = from;
  while (i < s.length && isAlnum(s[i])) i++;
  return i;
}

/** Shows a character in a message. */
function shown(c: string | undefined): string {
  return c === undefined ? 'end of line' : `\`${c}\``;
}

/** Tokenizes the code part of an entry line (comment already cut off); `line` is 1-based. */
export function tokenizeEntry(code: string, line: number): Result<EntryTokens, LineError> {
  const start = skipSpace(code, 0);
  const nameEnd = skipAlnum(code, start);
  if (nameEnd === start) {
    return err({ col: start + 1, message: `bad character ${shown(code[start])} at the start of an entry, expected its name` });
  }
  if (nameEnd < code.length && !isSpace(code[nameEnd])) {
    return err({ col: nameEnd + 1, message: `bad character ${shown(code[nameEnd])} in entry name \`${code.slice(start, skipToSpace(code, start))}\` (only letters and digits)` });
  }
  const args: CyrusArg[] = [];
  let i = skipSpace(code, nameEnd);
  while (i < code.length) {
    const keyEnd = skipAlnum(code, i);
    if (code[keyEnd] !== '=') {
      const message = keyEnd === i ? `bad character ${shown(code[i])} in argument, expected \`key=value\`` : `expected \`=\` after \`${code.slice(i, keyEnd)}\`, found ${shown(code[keyEnd])}`;
      return err({ col: keyEnd + 1, message });
    }
    const key = code.slice(i, keyEnd);
    let valueStart = keyEnd + 1;
    let value: string;
    if (code[valueStart] === '"') {
      valueStart++;
      const close = code.indexOf('"', valueStart);
      if (close < 0) {
        return err({ col: valueStart, message: `missing closing \`"\` for \`${key}\` (a \`#\` ends the line, even inside quotes)` });
      }
      value = code.slice(valueStart, close);
      i = close + 1;
    } else {
      const end = skipToSpace(code, valueStart);
      value = code.slice(valueStart, end);
      i = end;
    }
    args.push({ key, value, line, col: keyEnd - key.length + 1 });
    i = skipSpace(code, i);
  }
  return ok({ name: code.slice(start, nameEnd), col: start + 1, args });
}

/** Index of the next white space at or after `from`, or the end. */
function skipToSpace(s: string, from: number): number {
  let i = from;
  while (i < s.length && !isSpace(s[i])) i++;
  return i;
}
