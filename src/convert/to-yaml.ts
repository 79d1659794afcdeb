// A parsed cyrus.conf and its converted entries -> quiesce YAML that keeps the file's comments,
// blank lines and order, one entry per line, with a `# quiesce convert:` note at every loss.
import { Document, Pair, Scalar, YAMLMap } from 'yaml';
import { unreachable } from '../errors.js';
import { convertCommentedOut, entryValueNode } from './commented-out.js';
import type { FieldValue } from './entry.js';
import type { CyrusConf, CyrusEntry, CyrusLine, CyrusSection, CyrusSectionName } from './parse.js';

/** An entry's YAML key (renamed when its name repeats) and its values; undefined = dropped. */
export interface PlannedEntry {
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldValue> | undefined;
}

/** Everything the YAML is made of. */
export interface RenderInput {
  /** The cyrus.conf path, as given, for the header. */
  readonly file: string;
  readonly conf: CyrusConf;
  readonly entries: ReadonlyMap<CyrusEntry, PlannedEntry>;
  /** Problem and note messages by 1-based line, written where that line's content goes. */
  readonly notes: ReadonlyMap<number, readonly string[]>;
  readonly problemCount: number;
  readonly noteCount: number;
}

/** Prefix of every note the converter writes into the YAML. */
export const NOTE_PREFIX = ' quiesce convert: ';

/** Comment lines waiting for the node they belong above; '' is a blank line. */
class PendingComments {
  #lines: string[] = [];
  #blankBefore = false;

  blank(): void {
    if (this.#lines.length === 0) this.#blankBefore = true;
    else this.#lines.push('');
  }

  /** `text` is what follows `#`; an empty comment stays a bare `#`, not a blank line. */
  comment(text: string): void {
    this.#lines.push(text === '' ? ' ' : text);
  }

  notes(list: readonly string[] | undefined): void {
    for (const note of list ?? []) this.#lines.push(NOTE_PREFIX + note);
  }

  /** Attaches the pending lines above `node` and empties the list. */
  placeAbove(node: Scalar | YAMLMap, allowSpace: boolean): void {
    if (this.#lines.length > 0) node.commentBefore = this.#lines.join('\n');
    if (allowSpace && this.#blankBefore) node.spaceBefore = true;
    this.#reset();
  }

  /**
   * Attaches the pending lines after `node` (trailing blank lines dropped) and empties the list;
   * a Document's end comment always gets a blank line before it.
   */
  placeAfter(node: YAMLMap | Document): void {
    while (this.#lines.at(-1) === '') this.#lines.pop();
    const space = this.#blankBefore && this.#lines.length > 0 && node instanceof YAMLMap;
    const lines = space ? ['', ...this.#lines] : this.#lines;
    if (lines.length > 0) node.comment = lines.join('\n');
    this.#reset();
  }

  #reset(): void {
    this.#lines = [];
    this.#blankBefore = false;
  }
}

/** The header every converted file starts with. */
function header(file: string, problemCount: number, noteCount: number): string {
  const lines = [
    ` quiesce config converted from ${file} by \`quiesce convert\`.`,
    '',
    ' Cyrus master did not pass its own -C option to its children, and quiesce does not either:',
    ' every cmd is left exactly as written, so a command without `-C <imapd.conf>` reads',
    ' /etc/imapd.conf. Relative commands are looked up in SUPERVISOR.bin_dir (/usr/lib/cyrus/bin).',
    ' EVENTS `period` is in minutes, as in cyrus.conf; `at` is a daily local time "HHMM".',
    ' Commented-out cyrus.conf entries are converted too: remove the `#` to enable one.',
  ];
  if (problemCount + noteCount > 0) {
    const counts = [problemCount > 0 ? `${problemCount} problem(s) (not carried over)` : '', noteCount > 0 ? `${noteCount} note(s)` : ''];
    lines.push('', ` ${counts.filter((c) => c !== '').join(' and ')}: see the lines starting with "#${NOTE_PREFIX.trimEnd()}".`);
  }
  return lines.join('\n');
}

const SHUTDOWN_HINT = [
  ' SHUTDOWN has no cyrus.conf equivalent: its commands run in order once every child has exited,',
  ' e.g. a last replication flush before failing over. `sync_client -R -1` replays one sync log',
  ' file per run, so run it twice: the `log-run` a stopped sync_client left, then `log`',
  ' (add the -C and -n options your rolling sync_client uses):',
  ' SHUTDOWN:',
  '   flushrun: { cmd: "sync_client -R -1" }',
  '   flushlog: { cmd: "sync_client -R -1" }',
].join('\n');

/** Adds one line of a section to the section map or to the pending comments. */
function addSectionLine(input: RenderInput, section: CyrusSectionName, map: YAMLMap, pending: PendingComments, item: CyrusLine): void {
  const notes = input.notes.get(item.line);
  switch (item.kind) {
    case 'blank':
      pending.blank();
      return;
    case 'comment':
      pending.comment(convertCommentedOut(section, item.text) ?? item.text);
      return;
    case 'skipped':
      pending.notes(notes);
      pending.comment(item.source);
      return;
    case 'entry': {
      const planned = input.entries.get(item);
      pending.notes(notes);
      if (planned?.fields === undefined) {
        pending.comment(item.source);
        return;
      }
      const key = new Scalar(planned.name);
      pending.placeAbove(key, map.items.length > 0);
      const value = entryValueNode(planned.fields);
      if (item.comment !== undefined) value.comment = item.comment === '' ? ' ' : item.comment;
      map.items.push(new Pair(key, value));
      return;
    }
    default:
      unreachable(item);
  }
}

/** One section: its entries as a block mapping, comments kept where they were. */
function sectionNode(input: RenderInput, section: CyrusSection): YAMLMap {
  const map = new YAMLMap();
  const pending = new PendingComments();
  if (section.headerComment !== undefined) pending.comment(section.headerComment);
  for (const item of section.items) addSectionLine(input, section.name, map, pending, item);
  if (section.closingLine !== undefined) pending.notes(input.notes.get(section.closingLine));
  if (section.closingComment !== undefined) pending.comment(section.closingComment);
  if (map.items.length === 0) {
    // `NAME:` followed by comments and `{}`: reads as an empty section that has notes in it
    map.flow = true;
    pending.placeAbove(map, false);
  } else {
    pending.placeAfter(map);
  }
  return map;
}

/** Renders the whole YAML document. */
export function renderYaml(input: RenderInput): string {
  const root = new YAMLMap();
  const doc = new Document(root);
  doc.commentBefore = header(input.file, input.problemCount, input.noteCount);
  const pending = new PendingComments();
  for (const item of input.conf.items) {
    switch (item.kind) {
      case 'blank':
        pending.blank();
        break;
      case 'comment':
        pending.comment(item.text);
        break;
      case 'skipped':
        pending.notes(input.notes.get(item.line));
        pending.comment(item.source);
        break;
      case 'section': {
        const key = new Scalar(item.name);
        pending.notes(input.notes.get(item.line));
        pending.placeAbove(key, root.items.length > 0);
        root.items.push(new Pair(key, sectionNode(input, item)));
        break;
      }
      default:
        unreachable(item);
    }
  }
  pending.placeAfter(doc);
  doc.comment = [doc.comment, SHUTDOWN_HINT].filter((c) => c !== null && c !== undefined && c !== '').join('\n\n');
  const text = doc.toString({ lineWidth: 0 });
  return text.endsWith('\n') ? text : `${text}\n`;
}
