// SIGHUP: a valid new config is applied as a diff; an invalid one is logged and the running one kept.
//
// DAEMON, EVENTS and plain SERVICES (no `listen`): removed entries stop gracefully, changed ones
// restart (a daemon only once the old one is gone, so two sync_clients never overlap), entries
// whose only change is how they are stopped are updated in place. SERVICES with a socket reload
// as Cyrus master does it, without dropping a connection: every worker is told to recycle
// (SIGHUP: it finishes its client, then exits) and is replaced by one running the new entry; new
// services bind, removed ones stop listening; a disabled service is enabled again.
import type { Config, DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { diffConfigs, type SectionDiff } from '../config/diff.js';
import { formatDiagnostic, type Diagnostic, type Result } from '../errors.js';
import type { BoundListener } from '../service/listener.js';
import { ServicePool } from '../service/pool.js';
import type { Unit, UnitDeps } from '../service/unit.js';
import { bindFor, isSocketService, needsRestart, sameSocket, type LiveUnit } from './units.js';

/** What a reload needs of the supervisor. */
export interface ReloadHost {
  unit(name: string): LiveUnit | undefined;
  startUnit(entry: ServiceEntry | EventEntry | DaemonEntry, listener?: BoundListener): void;
  retire(unit: Unit): Promise<unknown>;
  retirePool(pool: ServicePool): void;
}

interface Changes {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly ignored: string[];
}

/** Applies `loaded` (the re-read file) over `before`. */
export async function applyReload(host: ReloadHost, before: Config, loaded: Result<Config, readonly Diagnostic[]>, deps: UnitDeps): Promise<void> {
  if (!loaded.ok) {
    deps.log.emit({ event: 'config.reload-rejected', file: before.file, diagnostics: loaded.error.map(formatDiagnostic) });
    return;
  }
  const next = loaded.value;
  const diff = diffConfigs(before, next);
  const c: Changes = { added: [], removed: [], changed: [], ignored: [] };
  applyPlain(host, diff.daemons, c);
  applyPlain(host, diff.events, c);
  await applyServices(host, diff.services, next.supervisor.listenBacklog, c, deps);
  for (const e of [...diff.start.added, ...diff.start.removed, ...diff.start.changed.map((x) => x.after)]) c.ignored.push(`START ${e.name} (START runs only at startup)`);
  for (const k of diff.supervisorChanged) if (k === 'pidfile' || k === 'logFile') c.ignored.push(`SUPERVISOR ${k} (needs a restart)`);
  deps.log.emit({ event: 'config.reloaded', file: next.file, ...c });
}

function applyPlain<E extends DaemonEntry | EventEntry | ServiceEntry>(host: ReloadHost, diff: SectionDiff<E>, c: Changes): void {
  for (const entry of diff.removed) {
    const unit = host.unit(entry.name);
    if (unit !== undefined) void host.retire(unit);
    c.removed.push(entry.name);
  }
  for (const { before, after } of diff.changed) {
    const unit = host.unit(before.name);
    if (unit === undefined) continue;
    if (!needsRestart(before, after)) {
      unit.entry = after; // only how it is stopped changed
      continue;
    }
    c.changed.push(after.name);
    const stopped = host.retire(unit);
    if (after.section === 'DAEMON') void stopped.then(() => host.startUnit(after));
    else host.startUnit(after);
  }
  for (const entry of diff.added) {
    host.startUnit(entry);
    c.added.push(entry.name);
  }
}

async function applyServices(host: ReloadHost, diff: SectionDiff<ServiceEntry>, backlog: number, c: Changes, deps: UnitDeps): Promise<void> {
  const plain: SectionDiff<ServiceEntry> = { added: [], removed: [], changed: [], unchanged: [] };
  const bind = async (entry: ServiceEntry): Promise<BoundListener | undefined> => {
    const bound = await bindFor(entry, backlog);
    if (bound === undefined) return undefined;
    if (bound.ok) {
      deps.log.emit({ event: 'service.listening', entry: entry.name, address: bound.value.address, backlog });
      return bound.value;
    }
    deps.log.emit({ event: 'service.bind-failed', entry: entry.name, message: `${bound.error} (reload: entry left as it was)` });
    return undefined;
  };
  // Removed services close first: a new one may reuse the address (a unix path in particular).
  for (const entry of diff.removed) {
    const unit = host.unit(entry.name);
    if (unit instanceof ServicePool && isSocketService(entry)) {
      host.retirePool(unit);
      c.removed.push(entry.name);
    } else plain.removed.push(entry);
  }
  for (const pair of diff.changed) {
    const unit = host.unit(pair.before.name);
    if (!(unit instanceof ServicePool) || !isSocketService(pair.before) || !isSocketService(pair.after)) {
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
    if (!(unit instanceof ServicePool) || !isSocketService(entry)) continue;
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
