// The orchestrator: START, sockets, wait-daemons, the units; on a shutdown signal the shutdown
// sequence; reloads in between. It reads as a list of steps; each step lives in its own module.
import { Child, type ChildLauncher, type SpawnChild } from '../child/child.js';
import { StopLevel } from '../child/stop-level.js';
import { TagScanner } from '../child/tag-scan.js';
import type { ForkServers } from '../child/fork-servers.js';
import type { StopOutcome } from '../child/terminate.js';
import type { Clock } from '../clock.js';
import type { Config, DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { formatDiagnostic, ok, unreachable, type Diagnostic, type Result } from '../errors.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import type { Log } from '../log.js';
import { Daemon } from '../service/daemon.js';
import type { ServicePool } from '../service/pool.js';
import type { BoundListener } from '../service/listener.js';
import type { Unit, UnitDeps } from '../service/unit.js';
import { describeOneShot, isOneShotSuccess, OneShot } from './one-shot.js';
import { actionFor, TRANSITIONS, type Action, type Phase, type StopMode, type SupervisorEvent } from './phase.js';
import { applyReload, liveConfig } from './reload.js';
import { ReloadQueue, type ReloadOutcome } from './reload-queue.js';
import { isReplicating, resumeSyncClients, wakeSyncClients, replicationOf, type ReplicationView } from './replication-of.js';
import { ReplicationWatch } from './replication-watch.js';
import { SyncErrorWatch } from './sync-error-watch.js';
import { ShutdownRun, type ShutdownReport } from './shutdown.js';
import { shutdownSteps } from './shutdown-steps.js';
import type { StatusSnapshot } from './status.js';
import { bindFor, partition, unitOf, type LiveUnit } from './units.js';

/** What the supervisor needs from outside. */
export interface SupervisorDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Reads and validates a config (reload). */
  readonly loadConfig: (file: string) => Result<Config, readonly Diagnostic[]>;
  /** Called after each phase change (status, notify). */
  readonly onPhase?: (phase: Phase) => void;
  /** Called once START is done, the wait daemons are up and every service listens: an error stops the start (exit 75). */
  readonly markReady?: () => Result<void, string>;
  /** Starts the workers without forking the supervisor (child/fork-server.ts); Node's spawn when absent. */
  readonly forkServers?: ForkServers;
  /** Starts every child as its user with the parent-death signal (ops/launcher.ts). */
  readonly launch?: ChildLauncher;
  /** Starts processes; real ones (Child) unless given (unit tests give fakes). */
  readonly spawn?: SpawnChild;
}

/** How a run ended. */
export interface RunResult {
  readonly exitCode: ExitCode;
  readonly reason: string;
  readonly report: ShutdownReport | undefined;
}

type Request = { readonly mode: StopMode; readonly trigger: string };

/** Runs one config until a shutdown completes. */
export class Supervisor {
  #config: Config;
  #phase: Phase;
  readonly #deps: SupervisorDeps;
  readonly #unitDeps: UnitDeps;
  readonly #started: number;
  readonly #units = new Map<string, LiveUnit>();
  /** Units a reload removed that still have processes; the shutdown waits for them too. */
  readonly #retiring = new Set<{ level: StopLevel; done: Promise<readonly StopOutcome[]> }>();
  /** Socket services a reload removed whose workers still finish their clients; drained at shutdown. */
  readonly #retiredPools = new Set<ServicePool>();
  readonly #tagPrefix: string;
  #seq = 0;
  #startCommand: OneShot | undefined;
  #shutdown: ShutdownRun | undefined;
  #requested: Request | undefined;
  #wakeRun: () => void = () => undefined;
  readonly #reloads = new ReloadQueue(() => this.#reload());
  /** Valid configs applied so far: 1 is the one started with. */
  #generation = 1;
  /** DAEMONs whose new entry starts once their old process is gone (a reload changed them). */
  readonly #awaitingRestart = new Set<string>();
  /** Signals with no job received so far (signals.ts STRAY_SIGNALS), by name. */
  readonly #strays = new Map<string, number>();
  #replicationWatch: ReplicationWatch;
  /** Each channel's sync errors, kept across reloads. */
  readonly #syncErrors: SyncErrorWatch;
  /** Where the sync logs are, fixed with the config (at start and at each reload); undefined unless a replication master. */
  #replication: ReplicationView | undefined;

  constructor(config: Config, deps: SupervisorDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#started = deps.clock.now();
    this.#phase = { kind: 'starting', since: this.#started, entry: undefined };
    this.#tagPrefix = `${process.pid}.${this.#started}.`;
    this.#replicationWatch = new ReplicationWatch(deps.clock);
    this.#replication = replicationOf(config, deps.clock);
    this.#syncErrors = new SyncErrorWatch({ clock: deps.clock, log: deps.log, units: () => this.#units.values(), view: () => this.#replication });
    this.#unitDeps = {
      clock: deps.clock, log: deps.log, settings: () => this.#config.supervisor,
      nextTag: () => `${this.#tagPrefix}${++this.#seq}`,
      spawn: deps.spawn ?? Child.spawner({ clock: deps.clock, log: deps.log, tags: new TagScanner(deps.clock), launch: deps.launch, forkServers: deps.forkServers }),
      shutdownSocket: deps.forkServers === undefined ? undefined : (fd) => deps.forkServers?.shutdownSocket(fd) ?? Promise.resolve(false),
      // staged on-demand starts: only Child's spawner hands them to the fork server
      canStage: deps.spawn === undefined && deps.forkServers !== undefined ? () => deps.forkServers?.usable === true : undefined,
    };
  }

  get phase(): Phase {
    return this.#phase;
  }

  get config(): Config {
    return this.#config;
  }

  /** Prefix of the QUIESCE_TAG of every process this supervisor starts. */
  get tagPrefix(): string {
    return this.#tagPrefix;
  }

  /** What `quiesce status` shows. */
  status(version: string): StatusSnapshot {
    const now = this.#deps.clock.now();
    return {
      pid: process.pid, config: this.#config.file, version, phase: this.#phase.kind,
      phaseSinceMs: now - this.#phase.since, uptimeMs: now - this.#started,
      generation: this.#generation, applying: this.#applying(), ignoredSignals: Object.fromEntries(this.#strays), log: this.#deps.log.status(),
      units: [...this.#units.values()].map((u) => u.describe()),
      replication: this.#replicationWatch.snapshot(),
    };
  }

  /** What `kind` of event does now: the phase x event table, refined by the shutdown step running (phase.ts). */
  actionOf(kind: SupervisorEvent['kind']): Action {
    return actionFor(this.#phase.kind, kind, this.#shutdown?.step);
  }

  /** Handles one event according to actionOf. */
  dispatch(e: SupervisorEvent): void {
    const action = this.actionOf(e.kind);
    const request = (): Request => (this.#requested ??= { mode: e.kind === 'shutdown' ? e.mode : 'graceful', trigger: e.trigger });
    switch (action) {
      case 'begin-shutdown':
        request();
        this.#wakeRun();
        return;
      case 'interrupt-start':
        this.#startCommand?.interrupt(request().mode === 'graceful' ? 'stop' : 'term');
        return;
      case 'escalate':
        this.#shutdown?.escalate(e.trigger);
        return;
      case 'skip-sync-drain':
        this.#shutdown?.skipSyncDrain(e.trigger);
        return;
      case 'abort-commands':
        this.#shutdown?.abortCommands(e.trigger);
        return;
      case 'reload':
        this.#reloads.request(e.kind === 'reload' ? e.onOutcome : undefined);
        return;
      case 'reopen-logs':
        this.#deps.log.reopen();
        return;
      case 'note-stray': {
        const count = (this.#strays.get(e.trigger) ?? 0) + 1;
        this.#strays.set(e.trigger, count);
        if (count === 1) this.#deps.log.emit({ event: 'signal.ignored', signal: e.trigger });
        return;
      }
      case 'ignore':
        return;
      default:
        return unreachable(action);
    }
  }

  /** START, sockets, wait-daemons, units; then, once asked, the shutdown. Resolves with the exit code. */
  async run(): Promise<RunResult> {
    const early = (await this.#runStart()) ?? (await this.#startUnits()) ?? (await this.#markReady());
    if (early !== undefined) return early;
    this.#enter({ kind: 'running', since: this.#deps.clock.now() }); // starting -> running
    this.#syncErrors.start();
    this.#watchReplication();
    const request = await new Promise<Request>((resolve) => {
      this.#wakeRun = () => this.#requested !== undefined && resolve(this.#requested);
      this.#wakeRun();
    });
    this.#replicationWatch.stop();
    await this.#reloads.idle();
    return this.#runShutdown(request);
  }

  /** START entries in order; undefined when all exited 0 and no shutdown was asked for. */
  async #runStart(): Promise<RunResult | undefined> {
    for (const entry of this.#config.start) {
      if (this.#requested !== undefined) break;
      this.#enter({ kind: 'starting', since: this.#deps.clock.now(), entry: entry.name }); // starting -> starting
      this.#deps.log.emit({ event: 'start.begin', entry: entry.name, timeoutMs: entry.timeoutMs });
      const shot = new OneShot(entry, this.#unitDeps);
      this.#startCommand = shot;
      const outcome = await shot.run();
      this.#startCommand = undefined;
      if (outcome.kind === 'interrupted') {
        this.#deps.log.emit({ event: 'start.interrupted', entry: entry.name });
        break;
      }
      if (!isOneShotSuccess(outcome)) {
        const description = describeOneShot(outcome, entry.timeoutMs);
        this.#deps.log.emit({ event: 'start.failed', entry: entry.name, outcome: description, stderrTail: [...shot.stderrTail] });
        return this.#stopEarly(EXIT.startFailed, `START ${entry.name} failed: ${description}`);
      }
    }
    return this.#requested === undefined ? undefined : this.#stopEarly(EXIT.startFailed, `startup interrupted by ${this.#requested.trigger}`);
  }

  /** Binds every socket, starts the wait-daemons in order, then everything else. */
  async #startUnits(): Promise<RunResult | undefined> {
    const listeners = new Map<string, BoundListener>();
    for (const entry of this.#config.services) {
      const bound = await bindFor(entry, this.#config.supervisor.listenBacklog);
      if (bound === undefined) continue;
      if (!bound.ok) {
        for (const l of listeners.values()) l.close();
        this.#deps.log.emit({ event: 'service.bind-failed', entry: entry.name, message: bound.error });
        return this.#stopEarly(EXIT.cannotStart, bound.error);
      }
      listeners.set(entry.name, bound.value);
      this.#deps.log.emit({ event: 'service.listening', entry: entry.name, address: bound.value.address, backlog: this.#config.supervisor.listenBacklog });
    }
    for (const entry of this.#config.daemons.filter((d) => d.wait)) {
      const daemon = new Daemon(entry, this.#unitDeps);
      this.#units.set(entry.name, daemon);
      const ready = await daemon.startAndWait();
      if (!ready.ok || this.#requested !== undefined) {
        const reason = ready.ok ? `startup interrupted by ${this.#requested?.trigger ?? ''}` : `DAEMON ${entry.name} (wait: true) ${ready.error}`;
        if (!ready.ok) this.#deps.log.emit({ event: 'daemon.not-ready', entry: entry.name, reason: ready.error });
        const level = new StopLevel('term', this.#deps.clock);
        await Promise.all([...this.#units.values()].map((u) => u.stop(level)));
        for (const l of listeners.values()) l.close();
        return this.#stopEarly(EXIT.startFailed, reason);
      }
    }
    // One fork server holding every socket, before the first worker asks for one.
    this.#deps.forkServers?.prepare([...listeners.values()].flatMap((l) => (l.datagram ? [] : [l.fd])));
    for (const entry of [...this.#config.daemons.filter((d) => !d.wait), ...this.#config.services, ...this.#config.events]) {
      this.startUnit(entry, entry.section === 'SERVICES' ? listeners.get(entry.name) : undefined);
    }
    return undefined;
  }

  /** The ready file (master_ready_file): a start that cannot create it fails, as Cyrus 3.12's does. */
  async #markReady(): Promise<RunResult | undefined> {
    const marked = this.#deps.markReady?.() ?? ok(undefined);
    if (marked.ok) return undefined;
    const level = new StopLevel('term', this.#deps.clock);
    await Promise.all([...this.#units.values()].map((u) => u.stop(level)));
    return this.#stopEarly(EXIT.cannotStart, marked.error);
  }

  #stopEarly(exitCode: ExitCode, reason: string): RunResult {
    this.#enter({ kind: 'stopped', since: this.#deps.clock.now(), exitCode }); // starting -> stopped
    return { exitCode, reason, report: undefined };
  }

  async #runShutdown(request: Request): Promise<RunResult> {
    this.#enter({ kind: 'draining', since: this.#deps.clock.now(), mode: request.mode }); // running -> draining
    const { drain } = partition([...this.#units.values(), ...this.#retiredPools]);
    const replication = this.#replication;
    /** The rolling sync_clients this shutdown restarted at once (resumeSyncClients: once each). */
    const resumed = new Set<string>();
    /** When the drain last woke each rolling sync_client (wakeSyncClients), by pid. */
    const woken = new Map<number, number>();
    this.#shutdown = new ShutdownRun(
      {
        ...request, steps: shutdownSteps(this.#config, replication !== undefined), drain, retiring: [...this.#retiring], tagPrefix: this.#tagPrefix,
        daemon: (name) => {
          const unit = this.#units.get(name);
          return unit?.section === 'DAEMON' ? unit : undefined;
        },
        replication: replication === undefined ? undefined : {
          ...replication, replicating: () => isReplicating(replication, this.#units.values()), wake: () => wakeSyncClients(replication, this.#units.values(), woken, this.#deps.clock.now()),
          resume: () => resumeSyncClients(replication, this.#units.values(), resumed), settle: (read, at) => this.#syncErrors.settle(read, at),
        },
        enter: (kind) => this.#enter({ kind, since: this.#deps.clock.now(), mode: request.mode }), // draining -> stopping-daemons -> shutdown-commands
      },
      this.#unitDeps,
    );
    const report = await this.#shutdown.run();
    this.#syncErrors.stop();
    this.#enter({ kind: 'stopped', since: this.#deps.clock.now(), exitCode: report.exitCode }); // shutdown-commands -> stopped
    return { exitCode: report.exitCode, reason: report.verdict, report };
  }

  #enter(next: Phase): void {
    if (!TRANSITIONS[this.#phase.kind].includes(next.kind)) throw new Error(`bug: phase ${this.#phase.kind} -> ${next.kind} is not allowed`);
    this.#phase = next;
    this.#deps.onPhase?.(next);
  }

  /** Creates and starts the unit of `entry` (only while starting or running). */
  startUnit(entry: ServiceEntry | EventEntry | DaemonEntry, listener?: BoundListener): void {
    if (this.#phase.kind !== 'starting' && this.#phase.kind !== 'running') {
      listener?.close();
      return;
    }
    const unit = unitOf(entry, this.#unitDeps, listener);
    this.#units.set(entry.name, unit);
    unit.start();
  }

  /** Stops a unit in the background (removed or changed by a reload); a shutdown waits for it. */
  stopInBackground(unit: Unit): Promise<readonly StopOutcome[]> {
    if (this.#units.get(unit.name) === unit) this.#units.delete(unit.name);
    const level = new StopLevel('stop', this.#deps.clock);
    const record = { level, done: unit.stop(level) };
    this.#retiring.add(record);
    void record.done.then(() => this.#retiring.delete(record));
    return record.done;
  }

  /** A socket service removed by a reload: its workers recycle; kept for the shutdown until gone. */
  recycleAway(pool: ServicePool): void {
    if (this.#units.get(pool.name) === pool) this.#units.delete(pool.name);
    this.#retiredPools.add(pool);
    void pool.retire().then(() => this.#retiredPools.delete(pool));
  }

  /** The live unit of an entry name. */
  unit(name: string): LiveUnit | undefined {
    return this.#units.get(name);
  }

  /** True while `name` waits for its old process to stop before its new entry starts. */
  isAwaitingRestart(name: string): boolean {
    return this.#awaitingRestart.has(name);
  }

  /** Starts the entry `name` has in the config of that moment once `stopped` resolves (a DAEMON never runs twice). */
  restartAfter(name: string, stopped: Promise<unknown>): void {
    this.#awaitingRestart.add(name);
    void stopped.then(() => {
      this.#awaitingRestart.delete(name);
      const entry = this.#config.daemons.find((d) => d.name === name);
      if (entry !== undefined && !this.#units.has(name)) this.startUnit(entry);
    });
  }

  /** What a reload has not finished yet: entries waiting for their old process, a reload asked for or running. */
  #applying(): string[] {
    return [...this.#awaitingRestart].map((n) => `${n} (its old process is stopping)`).concat(this.#reloads.busy ? ['a reload (running or asked for)'] : []);
  }

  /** One reload: the file as it is now, reconciled with what runs. */
  async #reload(): Promise<ReloadOutcome | undefined> {
    if (this.#phase.kind !== 'running') return undefined;
    const file = this.#config.file;
    const loaded = this.#deps.loadConfig(file);
    if (!loaded.ok) {
      const rejected: ReloadOutcome = { event: 'config.reload-rejected', file, generation: this.#generation, diagnostics: loaded.error.map(formatDiagnostic) };
      this.#deps.log.emit(rejected);
      return rejected;
    }
    const running = liveConfig(this.#config, this.#units.values());
    this.#config = loaded.value;
    this.#replication = replicationOf(loaded.value, this.#deps.clock);
    this.#generation += 1;
    const changes = await applyReload(this, running, loaded.value, this.#unitDeps);
    const applied: ReloadOutcome = { event: 'config.reloaded', file: loaded.value.file, generation: this.#generation, ...changes, applying: [...this.#awaitingRestart] };
    this.#deps.log.emit(applied);
    if (this.#phase.kind === 'running') {
      // cyrus_config, the sync_backlog_* thresholds or the DAEMON entries may have changed
      this.#replicationWatch.stop();
      this.#replicationWatch = new ReplicationWatch(this.#deps.clock);
      this.#watchReplication();
    }
    return applied;
  }

  /** Starts the sync log backlog watch of the current config (a no-op unless it is a replication master). */
  #watchReplication(): void {
    const view = this.#replication;
    if (view !== undefined) this.#replicationWatch.start(view, this.#config, this.#deps.log, () => this.#units.values(), this.#syncErrors);
  }
}
