// `quiesce convert cyrus.conf`: cyrus.conf text -> equivalent quiesce YAML, and every loss on the way.
import type { Diagnostic } from '../errors.js';
import { convertEntry, type ConvertedEntry } from './entry.js';
import { assignNames, type NameRequest } from './names.js';
import { parseCyrusConf, type ConvertProblem, type CyrusConf, type CyrusEntry } from './parse.js';
import { renderYaml, type PlannedEntry } from './to-yaml.js';

/**
 * The converted YAML (always produced) and what to tell about it, each `file:line:col` with its
 * key path. `problems`: something written that is not carried over (or that quiesce will refuse
 * as written); `notes`: carried over faithfully but changed or worth a look (a renamed entry,
 * `10x` read as 10, a rolling sync_client in START). Both are also `# quiesce convert:` lines in the YAML.
 */
export interface ConvertResult {
  readonly yaml: string;
  readonly problems: readonly ConvertProblem[];
  readonly notes: readonly Diagnostic[];
  /** Where each converted key path (`SERVICES.imap`, `SERVICES.imap.listen`) was written in the cyrus.conf. */
  readonly positions: ReadonlyMap<string, { readonly line: number; readonly col: number }>;
}

interface Told {
  readonly problems: ConvertProblem[];
  readonly notes: Diagnostic[];
}

/** Converts every entry and names it (see ./names.ts). */
function planEntries(conf: CyrusConf, file: string, told: Told): Map<CyrusEntry, PlannedEntry> {
  const converted = new Map<CyrusEntry, ConvertedEntry>();
  const requests: NameRequest[] = [];
  for (const section of conf.items) {
    if (section.kind !== 'section') continue;
    for (const entry of section.items) {
      if (entry.kind !== 'entry') continue;
      const result = convertEntry(section.name, entry);
      const path = `${section.name}.${entry.name}`;
      for (const p of result.problems) {
        const d = { file, line: entry.line, col: p.col, path: p.key === undefined ? path : `${path}.${p.key}`, message: p.message, ...(p.kind === 'refused' ? { refused: true } : {}) };
        (p.kind === 'note' ? told.notes : told.problems).push(d);
      }
      converted.set(entry, result);
      requests.push({ section: section.name, entry, convertible: result.fields !== undefined });
    }
  }
  const entries = new Map<CyrusEntry, PlannedEntry>();
  const sectionOf = new Map(requests.map((r) => [r.entry, r.section]));
  for (const [entry, decision] of assignNames(requests)) {
    if (decision.note !== undefined) {
      // a second SERVICES or DAEMON entry of one name: master refuses the file
      const d = { file, line: entry.line, col: entry.col, path: `${sectionOf.get(entry) ?? ''}.${entry.name}`, message: decision.note, ...(decision.kind === 'dropped' ? { refused: true } : {}) };
      // a renamed entry is carried over; a refused duplicate is not
      (decision.kind === 'named' ? told.notes : told.problems).push(d);
    }
    const fields = decision.kind === 'named' ? converted.get(entry)?.fields : undefined;
    entries.set(entry, { name: decision.kind === 'named' ? decision.name : entry.name, fields });
  }
  return entries;
}

const byPosition = (a: Diagnostic, b: Diagnostic): number => a.line - b.line || a.col - b.col;

/** Converts cyrus.conf text; `file` is used in problems and in the header comment. Never throws. */
export function convertCyrusConf(text: string, file: string): ConvertResult {
  const parsed = parseCyrusConf(text, file);
  const told: Told = { problems: [...parsed.problems], notes: [] };
  const entries = planEntries(parsed.conf, file, told);
  const problems = told.problems.sort(byPosition);
  const notes = told.notes.sort(byPosition);
  const byLine = new Map<number, string[]>();
  for (const d of [...problems, ...notes].sort(byPosition)) byLine.set(d.line, [...(byLine.get(d.line) ?? []), d.message]);
  const yaml = renderYaml({ file, conf: parsed.conf, entries, notes: byLine, problemCount: problems.length, noteCount: notes.length });
  return { yaml, problems, notes, positions: positionsOf(parsed.conf, entries) };
}

/** Every converted entry and key, by its quiesce key path, at its cyrus.conf line and column. */
function positionsOf(conf: CyrusConf, entries: ReadonlyMap<CyrusEntry, PlannedEntry>): Map<string, { line: number; col: number }> {
  const at = new Map<string, { line: number; col: number }>();
  for (const section of conf.items) {
    if (section.kind !== 'section') continue;
    at.set(section.name, { line: section.line, col: 1 });
    for (const entry of section.items) {
      const planned = entry.kind === 'entry' ? entries.get(entry) : undefined;
      if (entry.kind !== 'entry' || planned?.fields === undefined) continue;
      const path = `${section.name}.${planned.name}`;
      at.set(path, { line: entry.line, col: entry.col });
      for (const arg of entry.args) if (!at.has(`${path}.${arg.key}`)) at.set(`${path}.${arg.key}`, { line: entry.line, col: arg.col });
    }
  }
  return at;
}
