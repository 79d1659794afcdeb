// The shutdown's escalation level, shared by every child being stopped, so one signal moves them all.
import type { Clock } from '../clock.js';
import type { StopStep } from './child.js';
import { NEXT_STEP, Termination, type StopLadder, type StopOutcome, type Stoppable } from './terminate.js';

/** Starts terminations at the current level and advances them together. */
export class StopLevel {
  #level: StopStep;
  readonly #active = new Set<Termination>();
  readonly #clock: Clock;

  constructor(level: StopStep, clock: Clock) {
    this.#level = level;
    this.#clock = clock;
  }

  get level(): StopStep {
    return this.#level;
  }

  /** Terminations still running, for progress lines. */
  get active(): readonly Termination[] {
    return [...this.#active];
  }

  /** Stops `child` starting at the current level. */
  async stop(child: Stoppable, ladder: StopLadder): Promise<StopOutcome> {
    const t = new Termination(child, ladder, this.#level, this.#clock);
    this.#active.add(t);
    try {
      return await t.run();
    } finally {
      this.#active.delete(t);
    }
  }

  /** Raises the level one step (stop -> term -> kill) and moves every running termination there. */
  escalate(): StopStep {
    this.#level = NEXT_STEP[this.#level] ?? this.#level;
    for (const t of this.#active) t.advance(this.#level);
    return this.#level;
  }
}
