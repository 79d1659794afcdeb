// SIGHUP: a valid new config is reconciled with what runs; an invalid one is logged and the running one kept.
//
// The new file is compared with the live units (each runs its entry), not with the previous file,
// so whatever a reload could not finish (a socket that would not bind, a DAEMON whose old process is
// still stopping) is taken up again by the next one: the running config converges on the last
// valid file on disk however many reloads arrive, and however they overlap.
//
// DAEMON, EVENTS and plain SERVICES (no `listen`): removed entries stop gracefully, changed ones
// restart (a DAEMON only once its old process is gone, so two sync_clients never overlap: its
// start is deferred to `restartAfter`, which starts whatever entry the config holds by then),
// entries whose only change is how they are stopped are updated in place. SERVICES with a socket
// reload as Cyrus master does it, without dropping a connection: every worker is told to recycle
// (SIGHUP: it finishes its client, then exits) and is replaced by one running the new entry; new
// services bind, removed ones stop listening; a disabled service is enabled again.
import type { Config, DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { diffConfigs, type SectionDiff } from '../config/diff.js';
import type { BoundListener } from '../service/listener.js';
import type { ServicePool } from '../service/pool.js';
import type { Unit, UnitDeps } from '../service/unit.js';
import { bindFor, isSocketService, needsRestart, sameSocket, updateEntry, type LiveUnit } from './units.js';

/** What a reload needs of the supervisor. */
export interface ReloadHost {
  unit(name: string): LiveUnit | undefined;
  /** True while `name` waits for its old process to stop before its new entry starts. */
  isAwaitingRestart(name: string): boolean;
  startUnit(entry: ServiceEntry | EventEntry | DaemonEntry, listener?: BoundListener): void;
  /** Stops a unit a reload removed or changed; a shutdown meanwhile waits for it. */
  stopInBackground(unit: Unit): Promise<unknown>;
  /** A socket service a reload removed: its workers finish their clients and are not replaced. */
  recycleAway(pool: ServicePool): void;
  /** Starts the entry `name` has in the config of that moment (if any) once `stopped` resolves. */
  restartAfter(name: string, stopped: Promise<unknown>): void;
}

/** What a reload did, by entry name. */
export interface ReloadChanges {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly ignored: string[];
}

/** The config as it runs: `previous` with the entries the live units actually run. */
export function liveConfig(previous: Config, units: Iterable<LiveUnit>): Config {
  const live = [...units];
  const entries = <E extends LiveUnit['entry']>(section: E['section']): E[] => live.filter((u) => u.section === section).map((u) => u.entry as E);
  return { ...previous, services: entries<ServiceEntry>('SERVICES'), events: entries<EventEntry>('EVENTS'), daemons: entries<DaemonEntry>('DAEMON') };
}

/** Brings the units of `running` (see liveConfig) to `next`; resolves with what changed. */
export async function applyReload(host: ReloadHost, running: Config, next: Config, deps: UnitDeps): Promise<ReloadChanges> {
  const diff = diffConfigs(running, next);
  const c: ReloadChanges = { added: [], removed: [], changed: [], ignored: [] };
  applyPlain(host, diff.daemons, c);
  for (const entry of diff.daemons.unchanged) {
    const unit = host.unit(entry.name);
    if (unit?.section === 'DAEMON') unit.retry(); // a given-up daemon gets another chance
  }
  applyPlain(host, diff.events, c);
  await applyServices(host, diff.services, next.supervisor.listenBacklog, c, deps);
  for (const e of [...diff.start.added, ...diff.start.removed, ...diff.start.changed.map((x) => x.after)]) c.ignored.push(`START ${e.name} (START runs only at startup)`);
  for (const k of diff.supervisorChanged) if (k === 'pidfile' || k === 'logFile') c.ignored.push(`SUPERVISOR ${k} (needs a restart)`);
  return c;
}

function applyPlain<E extends DaemonEntry | EventEntry | ServiceEntry>(host: ReloadHost, diff: SectionDiff<E>, c: ReloadChanges): void {
  for (const entry of diff.removed) {
    const unit = host.unit(entry.name);
    if (unit !== undefined) void host.stopInBackground(unit);
    c.removed.push(entry.name);
  }
  for (const { before, after } of diff.changed) {
    const unit = host.unit(before.name);
    if (unit === undefined) continue;
    if (!needsRestart(before, after)) {
      updateEntry(unit, after); // only how it is stopped changed
      continue;
    }
    c.changed.push(after.name);
    const stopped = host.stopInBackground(unit);
    if (after.section === 'DAEMON') host.restartAfter(after.name, stopped);
    else host.startUnit(after);
  }
  for (const entry of diff.added) {
    // Not live: either new, or a DAEMON whose old process is still stopping (it starts with this entry then).
    if (host.isAwaitingRestart(entry.name)) c.changed.push(entry.name);
    else {
      host.startUnit(entry);
      c.added.push(entry.name);
    }
  }
}

async function applyServices(host: ReloadHost, diff: SectionDiff<ServiceEntry>, backlog: number, c: ReloadChanges, deps: UnitDeps): Promise<void> {
  const plain: SectionDiff<ServiceEntry> = { added: [], removed: [], changed: [], unchanged: [] };
  const bind = async (entry: ServiceEntry): Promise<BoundListener | undefined> => {
    const bound = await bindFor(entry, backlog);
    if (bound === undefined) return undefined;
    if (bound.ok) {
      deps.log.emit({ event: 'service.listening', entry: entry.name, address: bound.value.address, backlog });
      return bound.value;
    }
    deps.log.emit({ event: 'service.bind-failed', entry: entry.name, message: `${bound.error} (reload: entry left as it was; the next reload tries again)` });
    return undefined;
  };
  // Removed services close first: a new one may reuse the address (a unix path in particular).
  for (const entry of diff.removed) {
    const unit = host.unit(entry.name);
    if (unit?.section === 'SERVICES' && isSocketService(entry)) {
      host.recycleAway(unit);
      c.removed.push(entry.name);
    } else plain.removed.push(entry);
  }
  for (const pair of diff.changed) {
    const unit = host.unit(pair.before.name);
    if (unit?.section !== 'SERVICES' || !isSocketService(pair.before) || !isSocketService(pair.after)) {
      plain.changed.push(pair);
      continue;
    }
    const keep = sameSocket(pair.before, pair.after) && unit.listener !== undefined;
    const listener = keep ? unit.listener : await bind(pair.after);
    if (listener === undefined) continue;
    await unit.reload(pair.after, listener);
    c.changed.push(pair.after.name);
  }
  for (const entry of diff.unchanged) {
    const unit = host.unit(entry.name);
    if (unit?.section !== 'SERVICES' || !isSocketService(entry)) continue;
    const listener = unit.listener ?? (await bind(entry));
    await unit.reload(entry, listener);
  }
  for (const entry of diff.added) {
    if (!isSocketService(entry)) {
      plain.added.push(entry);
      continue;
    }
    const listener = await bind(entry);
    if (listener === undefined) continue;
    host.startUnit(entry, listener);
    c.added.push(entry.name);
  }
  applyPlain(host, plain, c);
}
