// `quiesce convert cyrus.conf`: cyrus.conf text -> equivalent quiesce YAML, and every loss on the way.
import type { Diagnostic } from '../errors.js';
import { convertEntry, type ConvertedEntry } from './entry.js';
import { assignNames, type NameRequest } from './names.js';
import { parseCyrusConf, type CyrusConf, type CyrusEntry } from './parse.js';
import { renderYaml, type PlannedEntry } from './to-yaml.js';

/** The converted YAML (always produced) and the problems, each `file:line:col` with its key path. */
export interface ConvertResult {
  readonly yaml: string;
  readonly problems: readonly Diagnostic[];
}

/** Converts every entry and names it (see ./names.ts); problems of both steps are returned. */
function planEntries(conf: CyrusConf, file: string): { entries: Map<CyrusEntry, PlannedEntry>; problems: Diagnostic[] } {
  const problems: Diagnostic[] = [];
  const converted = new Map<CyrusEntry, ConvertedEntry>();
  const requests: NameRequest[] = [];
  for (const section of conf.items) {
    if (section.kind !== 'section') continue;
    for (const entry of section.items) {
      if (entry.kind !== 'entry') continue;
      const result = convertEntry(section.name, entry);
      const path = `${section.name}.${entry.name}`;
      for (const p of result.problems) {
        problems.push({ file, line: entry.line, col: p.col, path: p.key === undefined ? path : `${path}.${p.key}`, message: p.message });
      }
      converted.set(entry, result);
      requests.push({ section: section.name, entry, convertible: result.fields !== undefined });
    }
  }
  const entries = new Map<CyrusEntry, PlannedEntry>();
  const sectionOf = new Map(requests.map((r) => [r.entry, r.section]));
  for (const [entry, decision] of assignNames(requests)) {
    if (decision.note !== undefined) {
      problems.push({ file, line: entry.line, col: entry.col, path: `${sectionOf.get(entry) ?? ''}.${entry.name}`, message: decision.note });
    }
    const fields = decision.kind === 'named' ? converted.get(entry)?.fields : undefined;
    entries.set(entry, { name: decision.kind === 'named' ? decision.name : entry.name, fields });
  }
  return { entries, problems };
}

/** Converts cyrus.conf text; `file` is used in problems and in the header comment. Never throws. */
export function convertCyrusConf(text: string, file: string): ConvertResult {
  const parsed = parseCyrusConf(text, file);
  const planned = planEntries(parsed.conf, file);
  const problems = [...parsed.problems, ...planned.problems].sort((a, b) => a.line - b.line || a.col - b.col);
  const notes = new Map<number, string[]>();
  for (const p of problems) notes.set(p.line, [...(notes.get(p.line) ?? []), p.message]);
  const yaml = renderYaml({ file, conf: parsed.conf, entries: planned.entries, notes, problemCount: problems.length });
  return { yaml, problems };
}
