// `quiesce convert cyrus.conf`: cyrus.conf text -> equivalent quiesce YAML, and every loss on the way.
import type { Diagnostic } from '../errors.js';
import { convertEntry } from './entry.js';
import { parseCyrusConf, type CyrusConf, type CyrusEntry } from './parse.js';
import { renderYaml, type PlannedEntry } from './to-yaml.js';

/** The converted YAML (always produced) and the problems, each `file:line:col` with its key path. */
export interface ConvertResult {
  readonly yaml: string;
  readonly problems: readonly Diagnostic[];
}

/**
 * Names every entry of every section. Master refuses a repeated SERVICES or DAEMON name, so
 * the repeat is dropped; START and EVENTS may repeat a name, which a YAML mapping cannot, so
 * the repeat is renamed `name2`, `name3`, ...
 */
function planEntries(conf: CyrusConf, file: string): { entries: Map<CyrusEntry, PlannedEntry>; problems: Diagnostic[] } {
  const entries = new Map<CyrusEntry, PlannedEntry>();
  const problems: Diagnostic[] = [];
  for (const section of conf.items) {
    if (section.kind !== 'section') continue;
    const used = new Set<string>();
    for (const entry of section.items) {
      if (entry.kind !== 'entry') continue;
      const path = `${section.name}.${entry.name}`;
      const converted = convertEntry(section.name, entry);
      for (const p of converted.problems) {
        problems.push({ file, line: entry.line, col: p.col, path: p.key === undefined ? path : `${path}.${p.key}`, message: p.message });
      }
      let name = entry.name;
      if (used.has(name) && (section.name === 'SERVICES' || section.name === 'DAEMON')) {
        problems.push({ file, line: entry.line, col: entry.col, path, message: `a second ${section.name} entry named \`${name}\` is refused by Cyrus master, dropped` });
        entries.set(entry, { name, fields: undefined });
        continue;
      }
      for (let n = 2; used.has(name); n++) name = `${entry.name}${n}`;
      if (name !== entry.name && converted.fields !== undefined) {
        problems.push({ file, line: entry.line, col: entry.col, path, message: `a second entry named \`${entry.name}\` is renamed \`${name}\`, as YAML keys are unique` });
      }
      if (converted.fields !== undefined) used.add(name);
      entries.set(entry, { name, fields: converted.fields });
    }
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
