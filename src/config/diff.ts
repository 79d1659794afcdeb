// Two validated configs -> what a reload has to do: entries added, removed, changed, unchanged.
import type { CommandSpec, Config, DaemonEntry, EventEntry, ServiceEntry, ShutdownEntry, StartEntry, SupervisorSettings } from './types.js';

/** One section's entries, matched by name. */
export interface SectionDiff<E> {
  added: E[];
  removed: E[];
  changed: { before: E; after: E }[];
  unchanged: E[];
}

export interface ConfigDiff {
  start: SectionDiff<StartEntry>;
  services: SectionDiff<ServiceEntry>;
  events: SectionDiff<EventEntry>;
  daemons: SectionDiff<DaemonEntry>;
  shutdown: SectionDiff<ShutdownEntry>;
  supervisorChanged: (keyof SupervisorSettings)[];
}

/** Compares entries by name; moving an entry to another line is not a change. */
export function diffConfigs(before: Config, after: Config): ConfigDiff {
  const keys = Object.keys(after.supervisor) as (keyof SupervisorSettings)[];
  return {
    start: diffSection(before.start, after.start),
    services: diffSection(before.services, after.services),
    events: diffSection(before.events, after.events),
    daemons: diffSection(before.daemons, after.daemons),
    shutdown: diffSection(before.shutdown, after.shutdown),
    supervisorChanged: keys.filter((k) => !deepEqual(before.supervisor[k], after.supervisor[k])),
  };
}

/** Entries of `after` in their order, then removed ones in `before`'s order. */
function diffSection<E extends CommandSpec>(before: readonly E[], after: readonly E[]): SectionDiff<E> {
  const old = new Map(before.map((e) => [e.name, e]));
  const names = new Set(after.map((e) => e.name));
  const diff: SectionDiff<E> = { added: [], removed: before.filter((e) => !names.has(e.name)), changed: [], unchanged: [] };
  for (const entry of after) {
    const previous = old.get(entry.name);
    if (previous === undefined) diff.added.push(entry);
    else if (deepEqual({ ...previous, line: 0 }, { ...entry, line: 0 })) diff.unchanged.push(entry);
    else diff.changed.push({ before: previous, after: entry });
  }
  return diff;
}

/** Structural equality of plain config values (objects, arrays, primitives). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
