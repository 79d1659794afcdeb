// One shutdown, from the first stop signal to the last sweep: it executes the steps of
// shutdown-steps.ts in order and owns everything the shutdown knows while it runs (the stop
// ladder's level, the step running, the SHUTDOWN command running, the timeline).
import { StopLevel } from '../child/stop-level.js';
import { findTagged, signalPid } from '../child/kill-tree.js';
import type { StopOutcome } from '../child/terminate.js';
import type { ShutdownEntry } from '../config/types.js';
import { judgeShutdown, type ExitCode } from '../exit-codes.js';
import { unreachable } from '../errors.js';
import type { Unit, UnitDeps } from '../service/unit.js';
import { describeOneShot, isOneShotSuccess, OneShot } from './one-shot.js';
import type { PhaseKind, StopMode } from './phase.js';
import { reportProgress } from './progress.js';
import { costOf, PHASE_OF_STEP, STEP_LABEL, stepDetail, stepName, SWEEP, type ShutdownStep, type StepKind } from './shutdown-steps.js';
import { backlogWithReplay, drainSyncLogs, notReplicated, type ChannelBacklog, type Replication } from './sync-drain.js';
import { describeFailure, type SyncFailure } from '../replication/sync-errors.js';

/** The phases a shutdown goes through after `draining`, in order. */
type LaterPhase = Extract<PhaseKind, 'stopping-daemons' | 'shutdown-commands'>;
const PHASE_ORDER: readonly PhaseKind[] = ['draining', 'stopping-daemons', 'shutdown-commands'];

/** What the shutdown works on. */
export interface ShutdownInput {
  readonly mode: StopMode;
  readonly trigger: string;
  /** shutdownSteps() of the running config. */
  readonly steps: readonly ShutdownStep[];
  /** The units the drain stops: SERVICES and EVENTS, and socket services a reload removed that still have workers. */
  readonly drain: readonly Unit[];
  /** Units already being stopped by a reload, with their own levels; the drain waits for them. */
  readonly retiring: readonly { readonly level: StopLevel; readonly done: Promise<readonly StopOutcome[]> }[];
  /** The live unit of a DAEMON entry. */
  readonly daemon: (name: string) => Unit | undefined;
  /** The instance's sync logs, when it is a replication master (drained before the daemons stop, verified at the end). */
  readonly replication: Replication | undefined;
  /** Prefix of every QUIESCE_TAG this supervisor handed out. */
  readonly tagPrefix: string;
  readonly enter: (phase: LaterPhase) => void;
}

/** How one SHUTDOWN command went. */
export interface CommandResult {
  readonly entry: string;
  readonly ok: boolean;
  readonly outcome: string;
  readonly durationMs: number;
  readonly stderrTail: readonly string[];
}

/** One step of a shutdown as it ran. */
export interface TimedStep {
  /** stepName(): `drain`, `daemons: stopping DAEMON syncclient`, `SHUTDOWN flush`, `sweep`. */
  readonly name: string;
  /** Epoch ms. */
  readonly startedAtMs: number;
  readonly durationMs: number;
}

/** The result of a whole shutdown: what happened, the exit code and why. */
export interface ShutdownReport {
  readonly exitCode: ExitCode;
  readonly verdict: string;
  readonly mode: StopMode;
  readonly trigger: string;
  /** Epoch ms of shutdown.begin. */
  readonly startedAtMs: number;
  readonly durationMs: number;
  /** The steps that ran (the sweep only when it found something). */
  readonly steps: readonly TimedStep[];
  readonly stops: readonly StopOutcome[];
  readonly commands: readonly CommandResult[];
  readonly stragglers: readonly number[];
  /** What the final check found in the sync logs (empty when replicated, or not a replication master). */
  readonly notReplicated: readonly ChannelBacklog[];
  /** Mailboxes, users and batches the rolling sync_client failed on that no completed batch settled since. */
  readonly syncFailures: readonly SyncFailure[];
}

/** One shutdown, from the first stop signal to the last sweep. */
export class ShutdownRun {
  readonly #input: ShutdownInput;
  readonly #deps: UnitDeps;
  /** The ladder step every child being stopped is on (stop -> term -> kill). */
  readonly #level: StopLevel;
  #phase: PhaseKind = 'draining';
  #step: ShutdownStep | undefined;
  /** The SHUTDOWN command running, and why the ones after it are skipped. */
  #command: OneShot | undefined;
  #commandsAborted: string | undefined;
  /** Aborted by a second shutdown signal while waiting for the sync logs to drain. */
  readonly #skipSyncDrain = new AbortController();
  readonly #timeline: TimedStep[] = [];
  readonly #stops: StopOutcome[] = [];
  readonly #commands: CommandResult[] = [];
  #stragglers: readonly number[] = [];

  constructor(input: ShutdownInput, deps: UnitDeps) {
    this.#input = input;
    this.#deps = deps;
    this.#level = new StopLevel(input.mode === 'graceful' ? 'stop' : 'term', deps.clock);
  }

  /** The kind of step running now (phase.ts's actionFor refines the phase with it). */
  get step(): StepKind | undefined {
    return this.#step?.kind;
  }

  /** Every child being stopped moves one step up the ladder (stop -> term -> kill). */
  escalate(trigger: string): void {
    const escalation = this.#level.escalate();
    for (const r of this.#input.retiring) r.level.escalate();
    this.#deps.log.emit({ event: 'shutdown.escalate', escalation, trigger });
  }

  /** During the sync drain: stop waiting for sync_client. */
  skipSyncDrain(trigger: string): void {
    if (this.#skipSyncDrain.signal.aborted) return;
    this.#skipSyncDrain.abort();
    this.#deps.log.emit({ event: 'shutdown.escalate', escalation: this.#level.level, trigger: `${trigger}: not waiting for the sync logs any longer` });
  }

  /** During SHUTDOWN commands: kill the running one and skip the rest. */
  abortCommands(trigger: string): void {
    this.#commandsAborted ??= trigger;
    this.#deps.log.emit({ event: 'shutdown.escalate', escalation: 'kill', trigger: `${trigger}: killing the running SHUTDOWN command, skipping the rest` });
    this.#command?.interrupt('kill');
  }

  async run(): Promise<ShutdownReport> {
    const { clock, log } = this.#deps;
    const startedAtMs = clock.now();
    const { mode, trigger } = this.#input;
    log.emit({ event: 'shutdown.begin', mode, trigger });
    for (const step of this.#input.steps) {
      this.#enterPhaseOf(step);
      this.#step = step;
      const began = clock.now();
      const recorded = await this.#execute(step);
      if (recorded) this.#timeline.push({ name: stepName(step), startedAtMs: began, durationMs: clock.now() - began });
    }
    this.#step = undefined;
    const { notReplicated, syncFailures } = this.#verifyReplication();
    const { exitCode, verdict } = judgeShutdown({
      failedCommands: this.#commands.filter((c) => !c.ok),
      notReplicated: [...notReplicated.map(backlogWithReplay), ...syncFailures.map(describeFailure)],
      escalated: this.#stops.filter((s) => s.escalated),
    });
    const durationMs = clock.now() - startedAtMs;
    log.emit({
      event: 'shutdown.done', exitCode, verdict, durationMs,
      escalated: this.#stops.filter((s) => s.escalated).map((s) => s.label), failedCommands: this.#commands.filter((c) => !c.ok).map((c) => c.entry),
    });
    return {
      exitCode, verdict, mode, trigger, startedAtMs, durationMs, steps: this.#timeline,
      stops: this.#stops, commands: this.#commands, stragglers: this.#stragglers, notReplicated, syncFailures,
    };
  }

  /** Enters every phase up to the step's own (a config without DAEMONs still passes stopping-daemons). */
  #enterPhaseOf(step: ShutdownStep): void {
    const target = PHASE_ORDER.indexOf(PHASE_OF_STEP[step.kind]);
    for (let i = PHASE_ORDER.indexOf(this.#phase) + 1; i <= target; i++) {
      const next = PHASE_ORDER[i] as LaterPhase;
      this.#phase = next;
      this.#input.enter(next);
    }
  }

  /** Runs one step; true when it belongs in the timeline. */
  async #execute(step: ShutdownStep): Promise<boolean> {
    const { log } = this.#deps;
    switch (step.kind) {
      case 'drain': {
        log.emit({ event: 'shutdown.step', step: STEP_LABEL.drain, detail: stepDetail(step) });
        const drained = Promise.all([...this.#input.drain.map((u) => u.stop(this.#level)), ...this.#input.retiring.map((r) => r.done)]);
        await this.#watch(step, drained);
        this.#stops.push(...(await drained).flat());
        return true;
      }
      case 'sync-drain': {
        const replication = this.#input.replication;
        if (replication === undefined) return false;
        log.emit({ event: 'shutdown.step', step: STEP_LABEL['sync-drain'], detail: stepDetail(step) });
        await drainSyncLogs(replication, { clock: this.#deps.clock, log, progressIntervalMs: this.#deps.settings().progressIntervalMs }, this.#skipSyncDrain.signal);
        return true;
      }
      case 'daemon': {
        const daemon = this.#input.daemon(step.entry.name);
        if (daemon === undefined) return false; // its old process, stopped by a reload, was waited for in the drain
        log.emit({ event: 'shutdown.step', step: STEP_LABEL.daemon, detail: stepDetail(step) });
        const done = daemon.stop(this.#level);
        await this.#watch(step, done);
        this.#stops.push(...(await done));
        return true;
      }
      case 'command':
        this.#commands.push(await this.#runCommand(step.entry, costOf(step, 'graceful').budgetMs));
        return true;
      case 'sweep':
        this.#stragglers = await this.#sweep();
        return this.#stragglers.length > 0;
      default:
        return unreachable(step);
    }
  }

  #watch(step: ShutdownStep, until: Promise<unknown>): Promise<void> {
    const levels = (): StopLevel[] => [this.#level, ...this.#input.retiring.map((r) => r.level)];
    return reportProgress(STEP_LABEL[step.kind], levels, until, { ...this.#deps, intervalMs: this.#deps.settings().progressIntervalMs });
  }

  async #runCommand(entry: ShutdownEntry, budgetMs: number): Promise<CommandResult> {
    const { log } = this.#deps;
    if (this.#commandsAborted !== undefined) {
      const reason = `shutdown aborted by ${this.#commandsAborted}`;
      log.emit({ event: 'shutdown.command-skipped', entry: entry.name, reason });
      return { entry: entry.name, ok: false, outcome: `skipped (${reason})`, durationMs: 0, stderrTail: [] };
    }
    log.emit({ event: 'shutdown.command-begin', entry: entry.name, timeoutMs: entry.timeoutMs, budgetMs });
    const shot = new OneShot(entry, this.#deps);
    this.#command = shot;
    const outcome = await shot.run();
    this.#command = undefined;
    const ok = isOneShotSuccess(outcome);
    const result: CommandResult = { entry: entry.name, ok, outcome: describeOneShot(outcome, entry.timeoutMs), durationMs: outcome.durationMs, stderrTail: [...shot.stderrTail] };
    log.emit({ event: 'shutdown.command-done', entry: entry.name, outcome: result.outcome, ok, durationMs: result.durationMs, stderrTail: ok ? [] : result.stderrTail });
    return result;
  }

  /** SIGKILLs anything still carrying one of our tags (a daemonized START command, a leak), and waits for it. */
  async #sweep(): Promise<number[]> {
    const pids = findTagged(this.#input.tagPrefix, true);
    if (pids.length === 0) return [];
    for (const pid of pids) signalPid(pid, 'SIGKILL');
    this.#deps.log.emit({ event: 'shutdown.stragglers', pids });
    for (let i = 0; i < SWEEP.polls && findTagged(this.#input.tagPrefix, true).length > 0; i++) await this.#deps.clock.sleep(SWEEP.pollMs);
    return pids;
  }

  /** After the SHUTDOWN commands (a final flush), what is still in the sync logs, and what sync_client failed on that no completed batch settled. */
  #verifyReplication(): { notReplicated: ChannelBacklog[]; syncFailures: readonly SyncFailure[] } {
    const replication = this.#input.replication;
    if (replication === undefined) return { notReplicated: [], syncFailures: [] };
    const readStartedMs = this.#deps.clock.now();
    const all = replication.read();
    const left = notReplicated(all);
    const syncFailures = replication.settle?.(all, readStartedMs) ?? [];
    if (left.length === 0 && syncFailures.length === 0) this.#deps.log.emit({ event: 'replication.verified', channels: all.length });
    else this.#deps.log.emit({ event: 'replication.left', backlog: [...left.map(backlogWithReplay), ...syncFailures.map(describeFailure)] });
    return { notReplicated: left, syncFailures };
  }
}
