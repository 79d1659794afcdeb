// While running: the sync errors of each channel, read from what its rolling sync_client logs.
//
// A rolling sync_client logs its errors through syslog(3): quiesce sees them when its syslog sink
// is on (SUPERVISOR.syslog_socket; the line's pid says which sync_client, so which channel), and
// also in sync_client's own stderr, which quiesce captures (`child.output`, for a sync_client run
// with -v). Each new failure is logged once at error level with its replay command
// (`replication.sync-error`); its settling (sync-errors.ts) once at info level
// (`replication.sync-recovered`). Status, metrics, the verdict and the report read the same state.
import type { Clock } from '../clock.js';
import type { Log, LogEvent } from '../log.js';
import { syncLineOf, type SyncLine } from '../replication/sync-error-line.js';
import { SyncErrors, type SyncFailure } from '../replication/sync-errors.js';
import type { Channel, ChannelBacklog } from '../replication/sync-dir.js';
import type { Unit } from '../service/unit.js';
import { rollingSyncClients, type ReplicationView } from './replication-of.js';

/** What the watch reads. */
export interface SyncErrorWatchDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** The supervisor's units now. */
  readonly units: () => Iterable<Unit>;
  /** The replication of the running config (it changes with a reload); undefined: not a replication master. */
  readonly view: () => ReplicationView | undefined;
}

/** Keeps each channel's sync errors for the life of the supervisor (a reload keeps them). */
export class SyncErrorWatch {
  readonly errors = new SyncErrors();
  readonly #deps: SyncErrorWatchDeps;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: SyncErrorWatchDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#unsubscribe ??= this.#deps.log.subscribe((e) => this.#observe(e));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** Settles what `backlogs` (read from `readStartedMs` on) prove over, logs it, and returns what still fails. */
  settle(backlogs: readonly ChannelBacklog[], readStartedMs: number): SyncFailure[] {
    const { clock, log } = this.#deps;
    for (const b of backlogs) {
      for (const f of this.errors.settle(b, readStartedMs)) {
        log.emit({ event: 'replication.sync-recovered', channel: f.channel, mailbox: f.mailbox ?? null, user: f.user ?? null, count: f.count, failedForMs: clock.now() - f.firstMs });
      }
    }
    return this.errors.failing();
  }

  #observe(e: LogEvent): void {
    let channel: Channel | undefined;
    let line: SyncLine | undefined;
    if (e.event === 'syslog.line' && e.pid !== null) {
      line = syncLineOf(e.message);
      if (line !== undefined) channel = this.#channelOfPid(e.pid);
    } else if (e.event === 'child.output' && e.section === 'DAEMON') {
      line = syncLineOf(e.line);
      if (line !== undefined) channel = this.#channelOfEntry(e.entry);
    }
    if (channel === undefined || line === undefined) return;
    const seen = this.errors.record(channel, line, this.#deps.clock.now());
    if (seen?.isNew !== true) return;
    const f = seen.failure;
    this.#deps.log.emit({ event: 'replication.sync-error', channel: f.channel, mailbox: f.mailbox ?? null, user: f.user ?? null, reason: f.reason, replay: f.replay });
  }

  #channelOfEntry(entry: string): Channel | undefined {
    const view = this.#deps.view();
    const name = view?.syncClients.get(entry);
    return name === undefined ? undefined : view?.channels.find((c) => c.name === name);
  }

  /** The channel of the rolling sync_client with this pid (a syslog line says only its pid). */
  #channelOfPid(pid: number): Channel | undefined {
    const view = this.#deps.view();
    if (view === undefined || view.syncClients.size === 0) return undefined;
    for (const { unit, channel } of rollingSyncClients(view, this.#deps.units())) {
      if (unit.liveChildren().some((c) => c.pid === pid)) return view.channels.find((c) => c.name === channel);
    }
    return undefined;
  }
}
