// cyrus.conf -> sections, entries, comments and blank lines, each with its line number.
//
// Section rules, from `masterconf_getsection` (Cyrus 3.6): a section starts on a line whose first
// word is its name (any case) and whose braces open exactly one level, and ends at the first line
// that starts with `}`. Master reads only the FIRST block of each section name: after it, its
// brace count never returns to zero. Unknown sections and text outside sections are skipped
// silently by master; here they are reported, because they were meant for something.
import type { Diagnostic } from '../errors.js';

/** A problem of a conversion; `refused`: Cyrus master refuses the whole file for it (so does quiesce, reading it directly). */
export type ConvertProblem = Diagnostic & { readonly refused?: boolean };
import { isSpace, skipAlnum, skipSpace, splitComment, tokenizeEntry, type CyrusArg } from './line.js';

/**
 * The sections read, in master's order, then SHUTDOWN: quiesce's own (proposed on the Cyrus list as
 * `SHUTDOWN { syncflush cmd="..." }`), which master skips like any unknown section, so one
 * cyrus.conf serves both.
 */
export const CYRUS_SECTIONS = ['START', 'SERVICES', 'EVENTS', 'DAEMON', 'SHUTDOWN'] as const;
/** One of the sections master reads. */
export type CyrusSectionName = (typeof CYRUS_SECTIONS)[number];

/** One entry line: `name key=value ...`, with the comment that ends its line, if any. */
export interface CyrusEntry {
  readonly kind: 'entry';
  readonly name: string;
  readonly line: number;
  readonly col: number;
  readonly args: readonly CyrusArg[];
  readonly comment: string | undefined;
  /** The line as written. */
  readonly source: string;
}

/** A line holding only a comment; `text` is what follows the `#`. */
export interface CyrusComment {
  readonly kind: 'comment';
  readonly text: string;
  readonly line: number;
}

/** An empty line. */
export interface CyrusBlank {
  readonly kind: 'blank';
  readonly line: number;
}

/** A line master refuses or skips, kept as written so the output can show it. */
export interface CyrusSkipped {
  readonly kind: 'skipped';
  readonly source: string;
  readonly line: number;
}

/** Anything a section holds. */
export type CyrusLine = CyrusEntry | CyrusComment | CyrusBlank | CyrusSkipped;

/** One `NAME { ... }` block. */
export interface CyrusSection {
  readonly kind: 'section';
  readonly name: CyrusSectionName;
  readonly line: number;
  readonly items: readonly CyrusLine[];
  /** Comment on the header line, after `{`. */
  readonly headerComment: string | undefined;
  /** The closing `}` line and its comment; undefined when the file ends first. */
  readonly closingLine: number | undefined;
  readonly closingComment: string | undefined;
}

/** A parsed cyrus.conf: sections and the lines around them, in file order. */
export interface CyrusConf {
  readonly items: readonly (CyrusSection | CyrusComment | CyrusBlank | CyrusSkipped)[];
}

interface OpenSection {
  name: CyrusSectionName;
  line: number;
  items: CyrusLine[];
  headerComment: string | undefined;
}

/** Net change of brace level on a line's code, as master counts it. */
function braceLevel(code: string): number {
  let level = 0;
  for (const c of code) level += c === '{' ? 1 : c === '}' ? -1 : 0;
  return level;
}

function isSectionName(name: string): name is CyrusSectionName {
  return (CYRUS_SECTIONS as readonly string[]).includes(name);
}

/** Parses cyrus.conf text; every refused or skipped line is a problem, never an exception. */
export function parseCyrusConf(text: string, file: string): { conf: CyrusConf; problems: ConvertProblem[] } {
  const problems: ConvertProblem[] = [];
  const report = (line: number, col: number, path: string, message: string, refused = false): void => {
    problems.push({ file, line, col, path, message, ...(refused ? { refused } : {}) });
  };
  const top: CyrusConf['items'][number][] = [];
  const seen = new Set<CyrusSectionName>();
  let open: OpenSection | undefined;
  let skipLevel = 0;

  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((rawLine, index) => {
    const raw = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const line = index + 1;
    const { code, comment } = splitComment(raw);
    const start = skipSpace(code, 0);
    const isEmpty = start === code.length;
    const into = open?.items ?? top;

    if (skipLevel > 0) {
      // inside a block master skips: only its braces matter
      skipLevel += braceLevel(code);
      top.push({ kind: 'skipped', source: raw, line });
      return;
    }
    if (isEmpty) {
      into.push(comment === undefined ? { kind: 'blank', line } : { kind: 'comment', text: comment, line });
      return;
    }
    if (open !== undefined) {
      if (code[start] === '}') {
        // `}` ends the section; master ignores the rest of this line
        if (skipSpace(code, start + 1) < code.length) report(line, start + 2, open.name, 'text after `}` is ignored by Cyrus, dropped');
        top.push({ ...open, kind: 'section', closingLine: line, closingComment: comment });
        open = undefined;
        return;
      }
      const tokens = tokenizeEntry(code, line);
      if (tokens.ok) {
        open.items.push({ kind: 'entry', ...tokens.value, line, comment, source: raw });
      } else {
        report(line, tokens.error.col, open.name, `${tokens.error.message}; Cyrus master refuses this file, line not converted`, true);
        open.items.push({ kind: 'skipped', source: raw, line });
      }
      return;
    }

    const wordEnd = skipAlnum(code, start);
    const word = code.slice(start, wordEnd).toUpperCase();
    const level = braceLevel(code);
    const rest = code.slice(wordEnd);
    if (isSectionName(word) && !seen.has(word) && level === 1) {
      seen.add(word);
      if (rest.trim() !== '{') report(line, wordEnd + 1, word, 'text on a section line other than `{` is ignored by Cyrus, dropped');
      open = { name: word, line, items: [], headerComment: comment };
      return;
    }
    const why = word === '' && code[start] === '{'
      ? 'a `{` that does not follow a section name on its line opens a block Cyrus skips, skipped'
      : isSectionName(word)
      ? seen.has(word)
        ? `a second \`${word}\` section is ignored by Cyrus (it reads only the first), skipped`
        : `\`${word}\` is not followed by \`{\` on its own line, so Cyrus skips this section, skipped`
      : level > 0 && (wordEnd === code.length || isSpace(code[wordEnd]) || code[wordEnd] === '{')
        ? `unknown section \`${code.slice(start, wordEnd)}\` is ignored by Cyrus (it reads START, SERVICES, EVENTS, DAEMON; quiesce also SHUTDOWN), skipped`
        : 'text outside a section is ignored by Cyrus, dropped';
    report(line, start + 1, '', why);
    skipLevel = Math.max(level, 0);
    top.push({ kind: 'skipped', source: raw, line });
  });

  // master reads an unclosed last section to the end of the file, so this one is kept
  if (open !== undefined) top.push({ ...open, kind: 'section', closingLine: undefined, closingComment: undefined });
  return { conf: { items: top }, problems };
}
