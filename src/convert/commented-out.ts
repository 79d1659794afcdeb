// A commented-out cyrus.conf entry (`#imaps cmd="imapd -s" ...`) -> the same entry, still
// commented out, in quiesce's YAML, so an administrator can enable it by removing the `#`.
import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { convertEntry, type FieldValue } from './entry.js';
import { splitComment, tokenizeEntry } from './line.js';
import type { CyrusSectionName } from './parse.js';

/** A flow mapping `{ cmd: "imapd", prefork: 0 }` with strings double-quoted. */
export function entryValueNode(fields: ReadonlyMap<string, FieldValue>): YAMLMap {
  const node = new YAMLMap();
  node.flow = true;
  for (const [key, value] of fields) {
    const scalar = new Scalar(value);
    if (typeof value === 'string') scalar.type = Scalar.QUOTE_DOUBLE;
    node.items.push(new Pair(new Scalar(key), scalar));
  }
  return node;
}

/** One `name: { ... }` line of YAML, without its newline. */
export function entryLine(name: string, fields: ReadonlyMap<string, FieldValue>): string {
  const map = new YAMLMap();
  map.items.push(new Pair(new Scalar(name), entryValueNode(fields)));
  return new Document(map).toString({ lineWidth: 0 }).trimEnd();
}

/**
 * The text after `#` of a comment line, as a commented-out quiesce entry when it reads as a
 * cyrus.conf entry that converts without any problem; undefined for prose and anything lossy.
 */
export function convertCommentedOut(section: CyrusSectionName, text: string): string | undefined {
  const { code, comment } = splitComment(text);
  if (code.trim() === '') return undefined;
  const tokens = tokenizeEntry(code, 0);
  if (!tokens.ok || tokens.value.args.length === 0) return undefined;
  const converted = convertEntry(section, { kind: 'entry', ...tokens.value, line: 0, comment, source: text });
  if (converted.fields === undefined || converted.problems.length > 0) return undefined;
  const indent = /^\s*/.exec(code)?.[0] ?? '';
  return `${indent}${entryLine(tokens.value.name, converted.fields)}${comment === undefined ? '' : ` #${comment}`}`;
}
