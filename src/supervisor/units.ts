// Config entries -> live units: building them, binding their sockets, and what a reload does to each.
import type { DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { unreachable, type Result } from '../errors.js';
import { Daemon } from '../service/daemon.js';
import { ScheduledEvent } from '../service/scheduled-event.js';
import { bindListener, type BoundListener } from '../service/listener.js';
import { ServicePool } from '../service/pool.js';
import type { Unit, UnitDeps } from '../service/unit.js';

/** Any long-running unit, with the entry it runs. */
export type LiveUnit = ServicePool | ScheduledEvent | Daemon;

/** Builds the unit of one entry (a SERVICES entry with `listen` gets its bound socket). */
export function unitOf(entry: ServiceEntry | EventEntry | DaemonEntry, deps: UnitDeps, listener?: BoundListener): LiveUnit {
  switch (entry.section) {
    case 'SERVICES':
      return new ServicePool(entry, deps, listener);
    case 'EVENTS':
      return new ScheduledEvent(entry, deps);
    case 'DAEMON':
      return new Daemon(entry, deps);
    default:
      return unreachable(entry);
  }
}

/** Gives a live unit the changed entry of its name (a reload); an entry of another section is a bug. */
export function updateEntry(unit: LiveUnit, entry: LiveUnit['entry']): void {
  if (unit.section === 'SERVICES' && entry.section === 'SERVICES') unit.update(entry);
  else if (unit.section === 'EVENTS' && entry.section === 'EVENTS') unit.update(entry);
  else if (unit.section === 'DAEMON' && entry.section === 'DAEMON') unit.update(entry);
  else throw new Error(`bug: ${unit.section} ${unit.name} given a ${entry.section} entry`);
}

/** Binds the socket of a SERVICES entry that has `listen`. */
export function bindFor(entry: ServiceEntry, backlog: number): Promise<Result<BoundListener, string>> | undefined {
  return entry.listen === undefined ? undefined : bindListener(entry.name, entry.listen, entry.proto, backlog, entry.user);
}

/** A Cyrus service (with a socket): reloads recycle its workers instead of restarting the pool. */
export const isSocketService = (e: ServiceEntry): boolean => e.listen !== undefined;

/** True when two entries listen on the same address with the same protocol (the socket can be kept). */
export const sameSocket = (a: ServiceEntry, b: ServiceEntry): boolean =>
  JSON.stringify(a.listen) === JSON.stringify(b.listen) && a.proto === b.proto;

/** Entries that differ only in how they are stopped are updated in place, not restarted. */
export function needsRestart(before: LiveUnit['entry'], after: LiveUnit['entry']): boolean {
  const strip = (e: LiveUnit['entry']): unknown => ({ ...e, line: 0, stopSignal: '', quitTimeoutMs: 0, termTimeoutMs: 0 });
  return JSON.stringify(strip(before)) !== JSON.stringify(strip(after));
}

/** Units by section, for the shutdown order. */
export function partition(units: Iterable<Unit>): { drain: Unit[]; daemons: Unit[] } {
  const drain: Unit[] = [];
  const daemons: Unit[] = [];
  for (const u of units) (u.section === 'DAEMON' ? daemons : drain).push(u);
  return { drain, daemons };
}
