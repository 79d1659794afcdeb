// The orchestrator: START, then the units, then on a shutdown signal the shutdown sequence; reloads in between.
import { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { Clock } from '../clock.js';
import { diffConfigs } from '../config/diff.js';
import type { Config, DaemonEntry, EventEntry, ServiceEntry } from '../config/types.js';
import { EXIT, formatDiagnostic, type Diagnostic, type ExitCode, type Result } from '../errors.js';
import type { Log } from '../log.js';
import type { UnitDeps } from '../service/unit.js';
import { describeOneShot, isOneShotSuccess, OneShot } from './one-shot.js';
import { actionFor, TRANSITIONS, type Phase, type StopMode, type SupervisorEvent } from './phase.js';
import { ShutdownRun, type ShutdownReport } from './shutdown.js';
import { longRunningEntries, needsRestart, partition, unitOf, type LiveUnit } from './units.js';

/** What the supervisor needs from outside. */
export interface SupervisorDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Reads and validates a config (reload). */
  readonly loadConfig: (file: string) => Result<Config, readonly Diagnostic[]>;
  /** Called after each phase change (status, notify). */
  readonly onPhase?: (phase: Phase) => void;
}

/** How a run ended. */
export interface RunResult {
  readonly exitCode: ExitCode;
  readonly reason: string;
  readonly report: ShutdownReport | undefined;
}

/** Runs one config until a shutdown completes. */
export class Supervisor {
  #config: Config;
  #phase: Phase;
  readonly #deps: SupervisorDeps;
  readonly #unitDeps: UnitDeps;
  readonly #units = new Map<string, LiveUnit>();
  readonly #retiring = new Set<{ level: StopLevel; done: Promise<readonly StopOutcome[]> }>();
  readonly #tagPrefix: string;
  #seq = 0;
  #startCommand: OneShot | undefined;
  #shutdown: ShutdownRun | undefined;
  #requested: { mode: StopMode; trigger: string } | undefined;
  #wakeRun: () => void = () => undefined;

  constructor(config: Config, deps: SupervisorDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#phase = { kind: 'starting', since: deps.clock.now(), entry: undefined };
    this.#tagPrefix = `${process.pid}.${deps.clock.now()}.`;
    this.#unitDeps = { clock: deps.clock, log: deps.log, settings: () => this.#config.supervisor, nextTag: () => `${this.#tagPrefix}${++this.#seq}` };
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

  /** Live units by name, for status. */
  get units(): ReadonlyMap<string, LiveUnit> {
    return this.#units;
  }

  /** Handles one event according to the phase x event table (phase.ts). */
  dispatch(e: SupervisorEvent): void {
    const action = actionFor(this.#phase.kind, e.kind);
    switch (action) {
      case 'begin-shutdown':
        this.#requested ??= { mode: e.kind === 'shutdown' ? e.mode : 'graceful', trigger: e.trigger };
        this.#wakeRun();
        return;
      case 'interrupt-start':
        this.#requested ??= { mode: e.kind === 'shutdown' ? e.mode : 'graceful', trigger: e.trigger };
        this.#startCommand?.interrupt(this.#requested.mode === 'graceful' ? 'stop' : 'term');
        return;
      case 'escalate':
        this.#shutdown?.escalate(e.trigger);
        return;
      case 'abort-commands':
        this.#shutdown?.abortCommands(e.trigger);
        return;
      case 'reload':
        this.#reload();
        return;
      case 'reopen-logs':
        this.#deps.log.reopen();
        return;
      case 'ignore':
        return;
      default:
        return ((x: never) => x)(action);
    }
  }

  /** Runs START, the units, and (once asked) the shutdown; resolves with the exit code. */
  async run(): Promise<RunResult> {
    const started = await this.#runStart();
    if (started !== undefined) return started;
    this.#enter({ kind: 'running', since: this.#deps.clock.now() }); // starting -> running
    for (const entry of longRunningEntries(this.#config)) this.#startUnit(entry);
    const request = await new Promise<{ mode: StopMode; trigger: string }>((resolve) => {
      this.#wakeRun = () => this.#requested !== undefined && resolve(this.#requested);
      this.#wakeRun();
    });
    const now = this.#deps.clock.now();
    this.#enter({ kind: 'draining', since: now, mode: request.mode }); // running -> draining
    const { drain, daemons } = partition(this.#units.values());
    this.#shutdown = new ShutdownRun(
      {
        ...request, drain, daemons, retiring: [...this.#retiring], commands: this.#config.shutdown, tagPrefix: this.#tagPrefix,
        enter: (kind) => this.#enter({ kind, since: this.#deps.clock.now(), mode: request.mode }),
      },
      this.#unitDeps,
    );
    const report = await this.#shutdown.run();
    this.#enter({ kind: 'stopped', since: this.#deps.clock.now(), exitCode: report.exitCode }); // shutdown-commands -> stopped
    return { exitCode: report.exitCode, reason: report.verdict, report };
  }

  /** START entries in order; undefined when all exited 0 and no shutdown was asked for. */
  async #runStart(): Promise<RunResult | undefined> {
    for (const entry of this.#config.start) {
      if (this.#requested !== undefined) break;
      this.#enter({ kind: 'starting', since: this.#deps.clock.now(), entry: entry.name }); // starting -> starting
      this.#deps.log.emit({ event: 'start.begin', entry: entry.name, timeoutMs: entry.timeoutMs });
      this.#startCommand = new OneShot(entry, this.#unitDeps);
      const shot = this.#startCommand;
      const outcome = await shot.run();
      this.#startCommand = undefined;
      if (outcome.kind === 'interrupted') {
        this.#deps.log.emit({ event: 'start.interrupted', entry: entry.name });
        break;
      }
      if (!isOneShotSuccess(outcome)) {
        const description = describeOneShot(outcome, entry.timeoutMs);
        this.#deps.log.emit({ event: 'start.failed', entry: entry.name, outcome: description, stderrTail: [...shot.stderrTail] });
        return this.#stopEarly(`START ${entry.name} failed: ${description}`);
      }
    }
    if (this.#requested !== undefined) return this.#stopEarly(`startup interrupted by ${this.#requested.trigger}`);
    return undefined;
  }

  #stopEarly(reason: string): RunResult {
    this.#enter({ kind: 'stopped', since: this.#deps.clock.now(), exitCode: EXIT.startFailed }); // starting -> stopped
    return { exitCode: EXIT.startFailed, reason, report: undefined };
  }

  #enter(next: Phase): void {
    if (!TRANSITIONS[this.#phase.kind].includes(next.kind)) throw new Error(`bug: phase ${this.#phase.kind} -> ${next.kind} is not allowed`);
    this.#phase = next;
    this.#deps.onPhase?.(next);
  }

  #startUnit(entry: ServiceEntry | EventEntry | DaemonEntry): void {
    const unit = unitOf(entry, this.#unitDeps);
    this.#units.set(entry.name, unit);
    unit.start();
  }

  /** Stops a unit in the background (removed or changed by a reload); a shutdown waits for it. */
  #retire(unit: LiveUnit): Promise<readonly StopOutcome[]> {
    this.#units.delete(unit.name);
    const level = new StopLevel('stop', this.#deps.clock);
    const record = { level, done: unit.stop(level) };
    this.#retiring.add(record);
    void record.done.then(() => this.#retiring.delete(record));
    return record.done;
  }

  #reload(): void {
    const loaded = this.#deps.loadConfig(this.#config.file);
    if (!loaded.ok) {
      this.#deps.log.emit({ event: 'config.reload-rejected', file: this.#config.file, diagnostics: loaded.error.map(formatDiagnostic) });
      return;
    }
    const next = loaded.value;
    const diff = diffConfigs(this.#config, next);
    this.#config = next;
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const sections = [diff.daemons, diff.services, diff.events] as const;
    for (const section of sections) {
      for (const entry of section.removed) {
        const unit = this.#units.get(entry.name);
        if (unit !== undefined) void this.#retire(unit);
        removed.push(entry.name);
      }
      for (const { before, after } of section.changed) {
        const unit = this.#units.get(before.name);
        if (unit === undefined) continue;
        if (!needsRestart(before, after)) {
          unit.entry = after as never; // only how it is stopped changed: update in place
          continue;
        }
        changed.push(after.name);
        const stopped = this.#retire(unit);
        // A daemon is started again only once the old one is gone (two sync_clients must not overlap).
        if (after.section === 'DAEMON') void stopped.then(() => this.#phase.kind === 'running' && this.#startUnit(after));
        else this.#startUnit(after);
      }
      for (const entry of section.added) {
        this.#startUnit(entry);
        added.push(entry.name);
      }
    }
    const ignored = [...diff.start.added, ...diff.start.removed, ...diff.start.changed.map((c) => c.after)].map((e) => `START ${e.name} (START runs only at startup)`);
    ignored.push(...diff.supervisorChanged.filter((k) => k === 'pidfile' || k === 'logFile').map((k) => `SUPERVISOR ${k} (needs a restart)`));
    this.#deps.log.emit({ event: 'config.reloaded', file: next.file, added, removed, changed, ignored });
  }
}
