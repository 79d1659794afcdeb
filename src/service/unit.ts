// What every long-running entry (SERVICES pool, DAEMON, EVENTS schedule) offers the supervisor,
// and the skeleton they share: the entry, the life before start and after stop, the status row.
//
//   idle ──start──▶ (the unit's own states) ──stop (from any state)──▶ stopping ──all gone──▶ stopped
import type { ChildHandle, SpawnChild, SpawnOptions } from '../child/child.js';
import { describeExit } from '../child/exit.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopLadder, StopOutcome } from '../child/terminate.js';
import type { Clock } from '../clock.js';
import type { CommandSpec, DaemonEntry, EventEntry, Section, ServiceEntry, SupervisorSettings } from '../config/types.js';
import { unreachable } from '../errors.js';
import type { Log } from '../log.js';
import { formatClock, formatDuration } from '../text.js';

/** Where a unit is. Every unit has idle, stopping and stopped; the others are its own. */
export type UnitState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running' }
  /** DAEMON: waiting to restart; `retryingEveryMs` once it failed too often (Cyrus 3.12: retried forever). */
  | { readonly kind: 'backoff'; readonly restartAt: number; readonly failures: number; readonly retryingEveryMs: number | undefined }
  /** EVENTS: waiting for the next run. */
  | { readonly kind: 'scheduled'; readonly dueAt: number }
  /** SERVICES: too many ready-fails; the socket is closed until a reload. */
  | { readonly kind: 'disabled'; readonly reason: string }
  /** SERVICES with babysit: too many ready-fails; one more worker at `until`. */
  | { readonly kind: 'cooling'; readonly until: number }
  /** SERVICES removed by a reload: workers finish their clients, none is replaced. */
  | { readonly kind: 'retired' }
  | { readonly kind: 'stopping' }
  | { readonly kind: 'stopped' };

export type UnitStateKind = UnitState['kind'];

/** A unit state for people: `backoff (restart in 4s)`, `scheduled (next in 29m55s, at 04:01)`. */
export function describeUnitState(s: UnitState, now: number): string {
  const inMs = (at: number): string => formatDuration(Math.max(0, at - now));
  switch (s.kind) {
    case 'backoff':
      return s.retryingEveryMs === undefined
        ? `backoff (restart in ${inMs(s.restartAt)})`
        : `retrying every ${formatDuration(s.retryingEveryMs)} after ${s.failures} failures (restart in ${inMs(s.restartAt)})`;
    case 'scheduled':
      return `scheduled (next in ${inMs(s.dueAt)}, at ${formatClock(s.dueAt, now)})`;
    case 'disabled':
      return `disabled: ${s.reason}`;
    case 'cooling':
      return `cooling after too many failures (retrying in ${inMs(s.until)})`;
    case 'idle':
    case 'running':
    case 'retired':
    case 'stopping':
    case 'stopped':
      return s.kind;
    default:
      return unreachable(s);
  }
}

/** One entry as an operator sees it. */
export interface UnitStatus {
  readonly name: string;
  readonly section: Section;
  /** The state for people (`running`, `backoff (restart in 4s)`, `disabled: <reason>`, ...). */
  readonly state: string;
  /** The state machine's state, for scripts (`running`, `backoff`, `disabled`, ...). */
  readonly stateKind: UnitStateKind;
  readonly pids: readonly number[];
  /** SERVICES with a listener: idle workers ready to accept / workers serving a client. */
  readonly readyCount: number | undefined;
  readonly busyCount: number | undefined;
  /** Processes started after the first (respawns, restarts, event runs). */
  readonly restarts: number;
  /** The last exit of one of its processes: `exit code 0`, `killed by SIGKILL`. */
  readonly lastExit: string | undefined;
  /** Listening address, when it has one. */
  readonly listen: string | undefined;
  /** What Cyrus master reports of a SERVICES or DAEMON entry in master.txt (ops/master-report.ts). */
  readonly master?: MasterStats;
}

/** One entry's line in each family of Cyrus master's Prometheus report. */
export interface MasterStats {
  /** `ipv4`, `ipv6`, `unix`; `daemon` for a DAEMON (master's add_daemon). */
  readonly family: string;
  readonly readyWorkers: number;
  readonly forks: number;
  /** master's nactive: every live process of the entry (the help text says "servicing clients"; the code counts all). */
  readonly activeChildren: number;
  readonly maxChildren: number;
  readonly forksPerSecond: number;
  readonly maxForksPerSecond: number;
  readonly readyFails: number;
}

/** The address family master names a listening address by (a DAEMON has none: `daemon`). */
export const familyOf = (address: string | undefined): string =>
  address === undefined ? 'daemon' : address.startsWith('/') ? 'unix' : address.startsWith('[') ? 'ipv6' : 'ipv4';

/** A config entry brought to life; the supervisor only starts, stops, updates and inspects it. */
export interface Unit {
  readonly name: string;
  readonly section: Section;
  readonly state: UnitState;
  /** Starts its processes (once; a unit that was stopped never starts again). */
  start(): void;
  /** Stops everything it runs, never to restart; resolves when all its processes are gone. */
  stop(level: StopLevel): Promise<readonly StopOutcome[]>;
  /** Processes alive now. */
  liveChildren(): readonly ChildHandle[];
  /** What `quiesce status` shows. */
  describe(): UnitStatus;
}

/** What units need from the supervisor. */
export interface UnitDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Current SUPERVISOR settings (they change on reload). */
  readonly settings: () => SupervisorSettings;
  /** A fresh QUIESCE_TAG value for the next child. */
  readonly nextTag: () => string;
  /** Starts a process (Child.spawner, or fakes in unit tests). */
  readonly spawn: SpawnChild;
  /** shutdown(2) of a listening socket by a process that holds it (the fork server); see BoundListener.stopListening. */
  readonly shutdownSocket?: (fd: number) => Promise<boolean>;
  /**
   * Whether spawn can stage a worker now (SpawnOptions.whenReadable: the fork server starts it
   * once a client waits); absent or false, an on-demand pool watches its socket itself.
   */
  readonly canStage?: () => boolean;
}

/** The stop ladder written in an entry: its stop_signal, quit_timeout and term_timeout. */
export const ladderOf = (spec: CommandSpec): StopLadder => ({
  stopSignal: spec.stopSignal,
  quitTimeoutMs: spec.quitTimeoutMs,
  termTimeoutMs: spec.termTimeoutMs,
});

/** The status fields that differ between kinds of unit. */
export type UnitDetails = Pick<UnitStatus, 'readyCount' | 'busyCount' | 'restarts' | 'listen' | 'master'>;

/**
 * The skeleton of every unit: its entry (replaced by update() on a reload), idle before start(),
 * stopping then stopped after stop() whatever it was doing, the latest process for `lastExit`.
 * A kind of unit writes only its own states (`liveState`), what starting and stopping mean to it
 * (`begin`, `halt`), and its status details; its callbacks check `ending` before acting.
 */
export abstract class UnitBase<E extends ServiceEntry | EventEntry | DaemonEntry> implements Unit {
  abstract readonly section: E['section'];
  protected readonly deps: UnitDeps;
  #entry: E;
  #started = false;
  #ending: { readonly done: Promise<readonly StopOutcome[]>; stopped: boolean } | undefined;
  /** How many processes this unit started, and the latest. */
  protected launches = 0;
  #last: ChildHandle | undefined;

  constructor(entry: E, deps: UnitDeps) {
    this.#entry = entry;
    this.deps = deps;
  }

  get entry(): E {
    return this.#entry;
  }

  get name(): string {
    return this.#entry.name;
  }

  /** The entry a reload gave this unit (same name): what its next process runs. */
  update(entry: E): void {
    this.#entry = entry;
  }

  get state(): UnitState {
    if (this.#ending !== undefined) return { kind: this.#ending.stopped ? 'stopped' : 'stopping' };
    return this.#started ? this.liveState() : { kind: 'idle' };
  }

  /** True once stop() was called: nothing may start any more. */
  protected get ending(): boolean {
    return this.#ending !== undefined;
  }

  start(): void {
    if (this.claimStart()) this.begin();
  }

  /** True the first time, when the unit may start (not started, not stopped). */
  protected claimStart(): boolean {
    if (this.#started || this.#ending !== undefined) return false;
    this.#started = true;
    return true;
  }

  stop(level: StopLevel): Promise<readonly StopOutcome[]> {
    if (this.#ending !== undefined) return this.#ending.done; // stopping: the same stop
    const done = this.#started ? this.halt(level) : Promise.resolve([]);
    const ending = { done, stopped: false };
    this.#ending = ending; // any -> stopping
    void done.then(() => (ending.stopped = true)); // stopping -> stopped
    return done;
  }

  describe(): UnitStatus {
    const state = this.state;
    return {
      name: this.name, section: this.section, state: describeUnitState(state, this.deps.clock.now()), stateKind: state.kind,
      pids: this.liveChildren().map((c) => c.pid ?? -1), lastExit: lastExitOf(this.#last), ...this.details(),
    };
  }

  /** Starts a process of this unit and counts it. */
  protected launch(spec: CommandSpec, opts: SpawnOptions): ChildHandle {
    const child = this.deps.spawn(spec, opts);
    this.launched(child);
    return child;
  }

  /** Counts a process of this unit that started (a staged one once it is forked). */
  protected launched(child: ChildHandle): void {
    this.launches += 1;
    this.#last = child;
  }

  /** The unit's own state while started and not stopped. */
  protected abstract liveState(): UnitState;
  /** Starts the unit (called once). */
  protected abstract begin(): void;
  /** Cancels its timers and stops its processes (called once, after begin). */
  protected abstract halt(level: StopLevel): Promise<readonly StopOutcome[]>;
  protected abstract details(): UnitDetails;
  abstract liveChildren(): readonly ChildHandle[];
}

/** `exit code 0` / `killed by SIGTERM` of the child's exit, if it has exited. */
export function lastExitOf(child: ChildHandle | undefined): string | undefined {
  const s = child?.state;
  return s?.kind === 'exited' ? describeExit(s.exit) : undefined;
}
