// A command that runs to its end within a budget: START and SHUTDOWN entries.
import type { ChildHandle, StopStep } from '../child/child.js';
import { describeExit, isSuccess, type ExitInfo } from '../child/exit.js';
import { Termination, type StopOutcome } from '../child/terminate.js';
import type { StartEntry, ShutdownEntry } from '../config/types.js';
import { ladderOf, type UnitDeps } from '../service/unit.js';
import { unreachable } from '../errors.js';

/** How a one-shot command ended. */
export type OneShotOutcome =
  | { readonly kind: 'exited'; readonly exit: ExitInfo; readonly durationMs: number }
  | { readonly kind: 'timed-out'; readonly stop: StopOutcome; readonly durationMs: number }
  | { readonly kind: 'interrupted'; readonly stop: StopOutcome; readonly durationMs: number };

/** True only for an exit 0 within the budget. */
export const isOneShotSuccess = (o: OneShotOutcome): boolean => o.kind === 'exited' && isSuccess(o.exit);

/** "exit code 0", "timed out after 60000 ms, then killed by SIGTERM", ... */
export function describeOneShot(o: OneShotOutcome, timeoutMs: number): string {
  switch (o.kind) {
    case 'exited':
      return describeExit(o.exit);
    case 'timed-out':
      return `timed out after ${timeoutMs} ms, then ${describeExit(o.stop.exit)} (${o.stop.steps.join(' -> ')})`;
    case 'interrupted':
      return `interrupted, ${describeExit(o.stop.exit)}`;
    default:
      return unreachable(o);
  }
}

/** One run of a START or SHUTDOWN command. */
export class OneShot {
  readonly entry: StartEntry | ShutdownEntry;
  readonly timeoutMs: number;
  readonly #deps: UnitDeps;
  #child: ChildHandle | undefined;
  #termination: Termination | undefined;
  readonly #interrupt = new AbortController();
  #interruptStep: StopStep = 'stop';

  constructor(entry: StartEntry | ShutdownEntry, deps: UnitDeps) {
    this.entry = entry;
    this.timeoutMs = entry.timeoutMs;
    this.#deps = deps;
  }

  /** Last stderr lines of the run. */
  get stderrTail(): readonly string[] {
    return this.#child?.stderrTail ?? [];
  }

  /** Stops the command early, starting at `step` (a second interrupt escalates). */
  interrupt(step: StopStep): void {
    this.#interruptStep = step;
    if (this.#termination !== undefined) this.#termination.advance(step);
    else this.#interrupt.abort();
  }

  async run(): Promise<OneShotOutcome> {
    const { clock } = this.#deps;
    const started = clock.now();
    const child = this.#deps.spawn(this.entry, { tag: this.#deps.nextTag(), role: 'one-shot' });
    this.#child = child;
    const wake = new AbortController();
    const cancel = (): void => wake.abort();
    this.#interrupt.signal.addEventListener('abort', cancel, { once: true });
    void child.exited.then(cancel);
    await clock.sleep(this.timeoutMs, wake.signal);
    this.#interrupt.signal.removeEventListener('abort', cancel);
    wake.abort();
    if (child.state.kind === 'exited') {
      // Leftovers it forked (a daemonizing START command) are swept at the end of the shutdown.
      return { kind: 'exited', exit: await child.exited, durationMs: clock.now() - started };
    }
    // Over budget, or interrupted: stop it, escalating like any child.
    const interrupted = this.#interrupt.signal.aborted;
    this.#termination = new Termination(child, ladderOf(this.entry), interrupted ? this.#interruptStep : 'stop', clock);
    const stop = await this.#termination.run();
    const durationMs = clock.now() - started;
    return interrupted ? { kind: 'interrupted', stop, durationMs } : { kind: 'timed-out', stop, durationMs };
  }
}
