// The stop ladder of every process this supervisor started: stop signal -> SIGTERM -> SIGKILL,
// each step bounded. Children (Child), helpers and one-off runs (stopGroup) all climb it. (The
// leftovers of a previous quiesce are not ours to stop gracefully: ops/leftovers.ts sends them
// SIGTERM, then SIGKILL.)
//
//   stop ──quit_timeout──▶ term ──term_timeout──▶ kill ──(until gone)──▶ done
//     └────advance()────────▲ └────advance()────────▲
//
// A graceful stop starts at `stop` (the entry's stop_signal, SIGQUIT by default); a fast stop
// starts at `term`. `advance()` (a second shutdown signal, `quiesce escalate`) jumps to the next
// step at once. The child is done when it, its process group and every tagged process are gone.
import type { ChildProcess } from 'node:child_process';
import { realClock, type Clock } from '../clock.js';
import type { StopStep } from './child.js';
import type { ExitInfo } from './exit.js';
import { signalGroup } from './kill-tree.js';
import { unreachable } from '../errors.js';

/** What a termination needs of a process (a Child, or a fake in unit tests). */
export interface Stoppable {
  readonly label: string;
  readonly exited: Promise<ExitInfo>;
  readonly state: { readonly kind: 'starting' | 'running' | 'stopping' | 'exited' };
  /** Signals the process, its group and its stragglers. */
  signal(signal: NodeJS.Signals, step: StopStep): void;
  /** The process, its group and every process it left behind are gone. */
  isGone(): Promise<boolean>;
  /** Waits (bounded) until a just-started process handles `signal`. */
  settle?(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

/** How a process is stopped: its own first signal and the time each step gets. */
export interface StopLadder {
  readonly stopSignal: NodeJS.Signals;
  readonly quitTimeoutMs: number;
  readonly termTimeoutMs: number;
}

/** How a stop went, for the exit code and the report. */
export interface StopOutcome {
  readonly label: string;
  readonly exit: ExitInfo;
  /** Every step whose signal was sent, in order. */
  readonly steps: readonly StopStep[];
  /** True when a step beyond the first one was needed. */
  readonly escalated: boolean;
  readonly durationMs: number;
}

/** The step after each one; SIGKILL is the last. */
export const NEXT_STEP: Readonly<Record<StopStep, StopStep | undefined>> = { stop: 'term', term: 'kill', kill: undefined };
const RANK: Record<StopStep, number> = { stop: 0, term: 1, kill: 2 };

/** The signal of a step: the ladder's own stop signal, then SIGTERM, then SIGKILL. */
export function signalOfStep(step: StopStep, stopSignal: NodeJS.Signals): NodeJS.Signals {
  switch (step) {
    case 'stop':
      return stopSignal;
    case 'term':
      return 'SIGTERM';
    case 'kill':
      return 'SIGKILL';
    default:
      return unreachable(step);
  }
}

/** The signal the step after `step` sends (never the stop signal), undefined after SIGKILL. */
export function nextSignal(step: StopStep): NodeJS.Signals | undefined {
  const next = NEXT_STEP[step];
  return next === undefined ? undefined : signalOfStep(next, 'SIGTERM');
}

/** A child younger than this gets its stop signal only once it handles it (or when it reaches this age). */
export const STARTUP_GRACE_MS = 1_000;

/** How often leftovers outside the child (stragglers, group members) are re-checked. */
export const STRAGGLER_POLL_MS = 50;

/** Stops one child, escalating on timeouts or on demand. */
export class Termination {
  readonly child: Stoppable;
  readonly #ladder: StopLadder;
  readonly #clock: Clock;
  readonly #first: StopStep;
  #step: StopStep;
  #wake = new AbortController();
  #deadline: number | undefined;
  #run: Promise<StopOutcome> | undefined;

  constructor(child: Stoppable, ladder: StopLadder, first: StopStep, clock: Clock) {
    this.child = child;
    this.#ladder = ladder;
    this.#clock = clock;
    this.#first = first;
    this.#step = first;
  }

  /** The step in force. */
  get step(): StopStep {
    return this.#step;
  }

  /** When the next escalation happens (epoch ms), undefined at the last step. */
  get deadline(): number | undefined {
    return this.#deadline;
  }

  /** Moves to the next step now, or to `atLeast` if that is further. */
  advance(atLeast?: StopStep): void {
    const next = NEXT_STEP[this.#step];
    const target = atLeast !== undefined && (next === undefined || RANK[atLeast] > RANK[next]) ? atLeast : next;
    if (target === undefined || RANK[target] <= RANK[this.#step]) return;
    this.#step = target;
    this.#wake.abort();
  }

  /** Runs the stop to its end (memoised: calling twice returns the same promise). */
  run(): Promise<StopOutcome> {
    this.#run ??= this.#execute();
    return this.#run;
  }

  async #execute(): Promise<StopOutcome> {
    const started = this.#clock.now();
    const sent: StopStep[] = [];
    for (;;) {
      const step = this.#step;
      if (!sent.includes(step)) {
        if (step === 'stop') await this.child.settle?.(this.#ladder.stopSignal, STARTUP_GRACE_MS);
        if (this.#step !== step) continue; // advanced while settling
        sent.push(step);
        this.child.signal(signalOfStep(step, this.#ladder.stopSignal), step);
      }
      const timeoutMs = this.#timeoutOf(step);
      this.#deadline = timeoutMs === undefined ? undefined : this.#clock.now() + timeoutMs;
      const why = await this.#waitGone(this.#deadline);
      if (why === 'gone') break;
      if (why === 'advanced') {
        this.#wake = new AbortController();
        continue;
      }
      // deadline passed: stop -> term -> kill
      this.#step = NEXT_STEP[step] ?? step;
    }
    this.#deadline = undefined;
    const exit = await this.child.exited;
    return { label: this.child.label, exit, steps: sent, escalated: sent.some((s) => s !== this.#first), durationMs: this.#clock.now() - started };
  }

  #timeoutOf(step: StopStep): number | undefined {
    switch (step) {
      case 'stop':
        return this.#ladder.quitTimeoutMs;
      case 'term':
        return this.#ladder.termTimeoutMs;
      case 'kill':
        return undefined; // SIGKILL cannot be ignored: wait for the kernel
      default:
        return unreachable(step);
    }
  }

  async #waitGone(deadline: number | undefined): Promise<'gone' | 'deadline' | 'advanced'> {
    const wake = this.#wake.signal;
    for (;;) {
      if (wake.aborted) return 'advanced';
      if (await this.child.isGone()) return 'gone';
      if (wake.aborted) return 'advanced'; // while isGone() waited for its /proc pass
      const remaining = deadline === undefined ? Infinity : deadline - this.#clock.now();
      if (remaining <= 0) return 'deadline';
      if (this.child.state.kind !== 'exited') {
        // Sleep until the exit, the deadline or an advance, whichever comes first.
        const exitedOrWoken = new AbortController();
        const cancel = (): void => exitedOrWoken.abort();
        wake.addEventListener('abort', cancel, { once: true });
        void this.child.exited.then(cancel);
        await this.#clock.sleep(Math.min(remaining, 2 ** 31 - 1), exitedOrWoken.signal);
        wake.removeEventListener('abort', cancel);
        exitedOrWoken.abort();
      } else {
        await this.#clock.sleep(Math.min(remaining, STRAGGLER_POLL_MS), wake);
      }
    }
  }
}

/**
 * A Stoppable over a process that leads its own process group (spawned detached): each step signals
 * the whole group; it is gone once it exited and its group is empty. `onStop` replaces the stop
 * step's signal (a helper told to leave by EOF on its stdin).
 */
export function groupOf(process: ChildProcess, label: string, onStop?: () => void): Stoppable {
  const exited = new Promise<ExitInfo>((resolve) => {
    const at = (): number => realClock.now();
    if (process.exitCode !== null || process.signalCode !== null) resolve({ code: process.exitCode, signal: process.signalCode, spawnError: undefined, at: at() });
    process.once('exit', (code, signal) => resolve({ code, signal, spawnError: undefined, at: at() }));
    process.once('error', (e: NodeJS.ErrnoException) => process.pid === undefined && resolve({ code: null, signal: null, spawnError: e.code ?? e.message, at: at() }));
  });
  let done = false;
  void exited.then(() => (done = true));
  const pid = process.pid;
  return {
    label,
    exited,
    get state() {
      return { kind: done ? 'exited' : 'running' } as const;
    },
    signal(signal, step) {
      if (step === 'stop' && onStop !== undefined) onStop();
      else if (pid !== undefined) signalGroup(pid, signal);
    },
    isGone: () => Promise.resolve(done && (pid === undefined || !signalGroup(pid, 0))),
  };
}

/** Stops a process group up the ladder from `first`; resolves once it and its group are gone. */
export function stopGroup(target: Stoppable, ladder: StopLadder, first: StopStep, clock: Clock = realClock): Promise<StopOutcome> {
  return new Termination(target, ladder, first, clock).run();
}
