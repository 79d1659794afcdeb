// The shutdown sequence: drain services and events, stop daemons in reverse order, run SHUTDOWN commands, sweep.
import { StopLevel } from '../child/stop-level.js';
import { findTagged, signalPid } from '../child/kill-tree.js';
import type { StopOutcome } from '../child/terminate.js';
import type { ShutdownEntry } from '../config/types.js';
import { EXIT, type ExitCode } from '../errors.js';
import type { Unit, UnitDeps } from '../service/unit.js';
import { describeOneShot, isOneShotSuccess, OneShot } from './one-shot.js';
import type { PhaseKind, StopMode } from './phase.js';
import { reportProgress } from './progress.js';
import { describeBacklog, drainSyncLogs, pending, type ChannelBacklog, type Replication } from './sync-drain.js';

/** What the shutdown works on. */
export interface ShutdownInput {
  readonly mode: StopMode;
  readonly trigger: string;
  /** SERVICES and EVENTS units, stopped together first. */
  readonly drain: readonly Unit[];
  /** Units already being stopped by a reload, with their own levels. */
  readonly retiring: readonly { readonly level: StopLevel; readonly done: Promise<readonly StopOutcome[]> }[];
  /** DAEMON units in file order; stopped in reverse, one at a time. */
  readonly daemons: readonly Unit[];
  readonly commands: readonly ShutdownEntry[];
  /** The instance's sync logs, when it is a replication master (drained before the daemons stop, verified at the end). */
  readonly replication: Replication | undefined;
  /** Prefix of every QUIESCE_TAG this supervisor handed out. */
  readonly tagPrefix: string;
  readonly enter: (phase: Extract<PhaseKind, 'stopping-daemons' | 'shutdown-commands'>) => void;
}

/** How one SHUTDOWN command went. */
export interface CommandResult {
  readonly entry: string;
  readonly ok: boolean;
  readonly outcome: string;
  readonly durationMs: number;
  readonly stderrTail: readonly string[];
}

/** The result of a whole shutdown: the exit code and why. */
export interface ShutdownReport {
  readonly exitCode: ExitCode;
  readonly verdict: string;
  readonly durationMs: number;
  readonly stops: readonly StopOutcome[];
  readonly commands: readonly CommandResult[];
  readonly stragglers: readonly number[];
  /** What the final check found in the sync logs (empty when replicated, or not a replication master). */
  readonly notReplicated: readonly ChannelBacklog[];
}

/** One shutdown, from the first stop signal to the last sweep. */
export class ShutdownRun {
  readonly #input: ShutdownInput;
  readonly #deps: UnitDeps;
  readonly #level: StopLevel;
  #aborted: string | undefined;
  #current: OneShot | undefined;
  #draining = false;
  /** Aborted by a second shutdown signal while waiting for the sync logs to drain. */
  readonly #skipDrain = new AbortController();

  constructor(input: ShutdownInput, deps: UnitDeps) {
    this.#input = input;
    this.#deps = deps;
    this.#level = new StopLevel(input.mode === 'graceful' ? 'stop' : 'term', deps.clock);
  }

  /** Every child being stopped moves one step ahead (stop -> term -> kill). */
  escalate(trigger: string): void {
    if (!this.#skipDrain.signal.aborted && this.#draining) {
      this.#skipDrain.abort();
      this.#deps.log.emit({ event: 'shutdown.escalate', level: this.#level.level, trigger: `${trigger}: not waiting for the sync logs any longer` });
      return;
    }
    const level = this.#level.escalate();
    for (const r of this.#input.retiring) r.level.escalate();
    this.#deps.log.emit({ event: 'shutdown.escalate', level, trigger });
  }

  /** During SHUTDOWN commands: kill the running one and skip the rest. */
  abortCommands(trigger: string): void {
    this.#aborted ??= trigger;
    this.#deps.log.emit({ event: 'shutdown.escalate', level: 'kill', trigger: `${trigger}: killing the running SHUTDOWN command, skipping the rest` });
    this.#current?.interrupt('kill');
  }

  async run(): Promise<ShutdownReport> {
    const { clock, log } = this.#deps;
    const started = clock.now();
    const { mode, trigger } = this.#input;
    log.emit({ event: 'shutdown.begin', mode, trigger });

    const drainNames = this.#input.drain.map((u) => u.name);
    log.emit({ event: 'shutdown.step', step: 'drain', detail: `stopping services and events: ${drainNames.join(', ') || '(none)'}` });
    const drained = Promise.all([
      ...this.#input.drain.map((u) => u.stop(this.#level)),
      ...this.#input.retiring.map((r) => r.done),
    ]);
    await this.#watch('drain', drained);
    const stops: StopOutcome[] = (await drained).flat();

    const replication = this.#input.replication;
    if (replication !== undefined) {
      log.emit({ event: 'shutdown.step', step: 'sync-drain', detail: `writers stopped; waiting up to ${replication.drainTimeoutMs} ms for sync_client to empty the sync logs` });
      this.#draining = true;
      await drainSyncLogs(replication, { clock, log, progressIntervalMs: this.#deps.settings().progressIntervalMs }, this.#skipDrain.signal);
      this.#draining = false;
    }

    this.#input.enter('stopping-daemons');
    for (const daemon of [...this.#input.daemons].reverse()) {
      log.emit({ event: 'shutdown.step', step: 'daemons', detail: `stopping DAEMON ${daemon.name}` });
      const done = daemon.stop(this.#level);
      await this.#watch('daemons', done);
      stops.push(...(await done));
    }

    this.#input.enter('shutdown-commands');
    const commands: CommandResult[] = [];
    for (const entry of this.#input.commands) commands.push(await this.#runCommand(entry));

    const stragglers = await this.#sweep();
    const notReplicated = replication === undefined ? [] : pending(replication.read());
    if (replication !== undefined) {
      if (notReplicated.length === 0) log.emit({ event: 'replication.verified', channels: replication.read().length });
      else log.emit({ event: 'replication.left', backlog: notReplicated.map(describeBacklog) });
    }
    return this.#verdict(stops, commands, stragglers, notReplicated, clock.now() - started);
  }

  #watch(step: string, until: Promise<unknown>): Promise<void> {
    const levels = (): StopLevel[] => [this.#level, ...this.#input.retiring.map((r) => r.level)];
    return reportProgress(step, levels, until, { ...this.#deps, intervalMs: this.#deps.settings().progressIntervalMs });
  }

  async #runCommand(entry: ShutdownEntry): Promise<CommandResult> {
    const { log } = this.#deps;
    if (this.#aborted !== undefined) {
      const reason = `shutdown aborted by ${this.#aborted}`;
      log.emit({ event: 'shutdown.command-skipped', entry: entry.name, reason });
      return { entry: entry.name, ok: false, outcome: `skipped (${reason})`, durationMs: 0, stderrTail: [] };
    }
    log.emit({ event: 'shutdown.command-begin', entry: entry.name, timeoutMs: entry.timeoutMs });
    const shot = new OneShot(entry, this.#deps);
    this.#current = shot;
    const outcome = await shot.run();
    this.#current = undefined;
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
    for (let i = 0; i < 100 && findTagged(this.#input.tagPrefix, true).length > 0; i++) await this.#deps.clock.sleep(20);
    return pids;
  }

  #verdict(stops: readonly StopOutcome[], commands: readonly CommandResult[], stragglers: readonly number[], notReplicated: readonly ChannelBacklog[], durationMs: number): ShutdownReport {
    const failed = commands.filter((c) => !c.ok);
    const escalated = stops.filter((s) => s.escalated);
    let exitCode: ExitCode;
    let verdict: string;
    if (failed.length > 0 || notReplicated.length > 0) {
      exitCode = EXIT.shutdownFailed;
      const reasons = [
        ...failed.map((c) => `SHUTDOWN ${c.entry} ${c.outcome}`),
        ...notReplicated.map((b) => `not replicated: ${describeBacklog(b)}`),
      ];
      verdict = `NOT safe to fail over: ${reasons.join('; ')}`;
    } else if (escalated.length > 0) {
      exitCode = EXIT.escalated;
      verdict = `SHUTDOWN commands succeeded, but ${escalated.length} child(ren) needed escalation: ${escalated.map((s) => `${s.label} (${s.steps.join(' -> ')})`).join(', ')}`;
    } else {
      exitCode = EXIT.clean;
      verdict = 'clean: every child left on its stop signal and every SHUTDOWN command exited 0; safe to fail over';
    }
    this.#deps.log.emit({
      event: 'shutdown.done', exitCode, verdict, durationMs,
      escalated: escalated.map((s) => s.label), failedCommands: failed.map((c) => c.entry),
    });
    return { exitCode, verdict, durationMs, stops, commands, stragglers, notReplicated };
  }
}
