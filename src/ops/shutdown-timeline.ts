// When each shutdown step began and how long it took, recorded from the log events as they happen.
import type { Clock } from '../clock.js';
import type { LogEvent } from '../log.js';

/** One step of a shutdown, in the order they ran. */
export interface TimedStep {
  /** `drain`, `daemons: stopping DAEMON syncclient`, `SHUTDOWN flush`, `sweep`. */
  readonly name: string;
  /** Epoch ms. */
  readonly startedAtMs: number;
  /** Undefined while it runs. */
  readonly durationMs: number | undefined;
}

/** Feed it every log event (host.subscribe); read `steps` when the shutdown is done. */
export class ShutdownTimeline {
  readonly #clock: Clock;
  readonly #steps: { name: string; startedAtMs: number; endedAtMs: number | undefined }[] = [];
  #beganAtMs: number | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Epoch ms of shutdown.begin, if seen. */
  get beganAtMs(): number | undefined {
    return this.#beganAtMs;
  }

  /** Steps so far, each ended by the start of the next (they run one after the other). */
  get steps(): readonly TimedStep[] {
    return this.#steps.map((s) => ({ name: s.name, startedAtMs: s.startedAtMs, durationMs: s.endedAtMs === undefined ? undefined : s.endedAtMs - s.startedAtMs }));
  }

  /** Records the step boundaries among `e`; ignores every other event. */
  observe(e: LogEvent): void {
    // Only the step boundaries matter here; every other event is ignored.
    if (e.event === 'shutdown.begin') this.#beganAtMs = this.#clock.now();
    else if (e.event === 'shutdown.step') this.#begin(e.step === 'drain' ? 'drain' : `${e.step}: ${e.detail}`);
    else if (e.event === 'shutdown.command-begin') this.#begin(`SHUTDOWN ${e.entry}`);
    else if (e.event === 'shutdown.stragglers') this.#begin('sweep');
    else if (e.event === 'shutdown.command-done' || e.event === 'shutdown.done') this.#endCurrent();
  }

  #begin(name: string): void {
    this.#endCurrent();
    this.#steps.push({ name, startedAtMs: this.#clock.now(), endedAtMs: undefined });
  }

  #endCurrent(): void {
    const last = this.#steps[this.#steps.length - 1];
    if (last !== undefined && last.endedAtMs === undefined) last.endedAtMs = this.#clock.now();
  }
}
