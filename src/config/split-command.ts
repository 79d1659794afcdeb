// A `cmd` string -> argv, split like a POSIX shell splits words, without any expansion.
import { err, ok, type Result } from '../errors.js';
import { quoted } from './describe.js';

/** Characters a backslash escapes inside double quotes (POSIX); elsewhere it stays literal. */
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`', '\n']);

/**
 * Splits on unquoted whitespace. 'single quotes' keep everything literal, "double quotes" allow
 * \" \\ \$ \` escapes, an unquoted backslash escapes the next character. No variables, globs or
 * tildes are expanded: the words go to execve as written.
 */
export function splitCommand(cmd: string): Result<string[], string> {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const append = (s: string): void => {
    word = (word ?? '') + s;
  };
  while (i < cmd.length) {
    const c = cmd[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = cmd.indexOf("'", i + 1);
      if (end < 0) return err(`unterminated single quote in ${quoted(cmd)}`);
      append(cmd.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      const r = readDoubleQuoted(cmd, i + 1);
      if (r === undefined) return err(`unterminated double quote in ${quoted(cmd)}`);
      append(r.text);
      i = r.next;
    } else if (c === '\\') {
      if (i + 1 >= cmd.length) return err(`trailing backslash in ${quoted(cmd)}`);
      append(cmd[i + 1] as string);
      i += 2;
    } else {
      append(c);
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return words.length === 0 ? err('expected a command, got an empty string') : ok(words);
}

/** The text of a double-quoted string starting after its opening quote, and where it ends. */
function readDoubleQuoted(cmd: string, start: number): { text: string; next: number } | undefined {
  let text = '';
  for (let i = start; i < cmd.length; i += 1) {
    const c = cmd[i] as string;
    if (c === '"') return { text, next: i + 1 };
    const following = cmd[i + 1];
    if (c === '\\' && following !== undefined && DOUBLE_QUOTE_ESCAPES.has(following)) {
      text += following;
      i += 1;
    } else {
      text += c;
    }
  }
  return undefined;
}
