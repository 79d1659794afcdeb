// Config entries -> live units, and the reload diff applied to them.
import type { Config, DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { Daemon } from '../service/daemon.js';
import { ScheduledEvent } from '../service/event.js';
import { ServicePool } from '../service/pool.js';
import type { Unit, UnitDeps } from '../service/unit.js';

/** Any long-running unit, with the entry it runs. */
export type LiveUnit = ServicePool | ScheduledEvent | Daemon;

/** Builds the unit of one entry. */
export function unitOf(entry: ServiceEntry | EventEntry | DaemonEntry, deps: UnitDeps): LiveUnit {
  switch (entry.section) {
    case 'SERVICES':
      return new ServicePool(entry, deps);
    case 'EVENTS':
      return new ScheduledEvent(entry, deps);
    case 'DAEMON':
      return new Daemon(entry, deps);
    default:
      return ((x: never) => x)(entry);
  }
}

/** Every long-running entry of a config, in start order: daemons, services, events. */
export function longRunningEntries(config: Config): (ServiceEntry | EventEntry | DaemonEntry)[] {
  return [...config.daemons, ...config.services, ...config.events];
}

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
