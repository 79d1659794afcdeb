// `maxforkrate`: at most N worker starts per second, over a sliding one-second window.

/** Length of the fork-rate window. */
export const FORK_RATE_WINDOW_MS = 1_000;

/** True when one more fork at `nowMs` stays within `maxPerSecond` (0 = unlimited). */
export function allowedToFork(forks: readonly number[], nowMs: number, maxPerSecond: number): boolean {
  if (maxPerSecond <= 0) return true;
  return forks.filter((t) => nowMs - t < FORK_RATE_WINDOW_MS).length < maxPerSecond;
}

/** The window after a fork at `nowMs`: only what the limit needs is kept (nothing when unlimited). */
export function recordFork(forks: readonly number[], nowMs: number, maxPerSecond: number): number[] {
  if (maxPerSecond <= 0) return [];
  return [...forks.filter((t) => nowMs - t < FORK_RATE_WINDOW_MS), nowMs].slice(-maxPerSecond);
}

/** Fork times kept for forks_per_second: a rate above this many per second reads as this. */
const RECENT_FORKS_KEPT = 1_000;

/** The forks of one pool: maxforkrate's window, and those of the last second (master.txt's forks_per_second). */
export class ForkLog {
  #window: readonly number[] = [];
  /** Oldest first (a start of 500 workers copied a list per fork when it was rebuilt each time). */
  #recent: number[] = [];

  /** Counts a fork at `nowMs` under the limit `maxPerSecond`. */
  record(nowMs: number, maxPerSecond: number): void {
    this.#window = recordFork(this.#window, nowMs, maxPerSecond);
    this.#recent.push(nowMs);
    this.#forget(nowMs);
  }

  /** True when one more fork at `nowMs` stays within `maxPerSecond`. */
  allowed(nowMs: number, maxPerSecond: number): boolean {
    return allowedToFork(this.#window, nowMs, maxPerSecond);
  }

  /** How long until the oldest fork of the window leaves it (when a refused fork may be tried again). */
  retryInMs(nowMs: number): number {
    return Math.max(1, (this.#window[0] ?? nowMs) + FORK_RATE_WINDOW_MS - nowMs);
  }

  /** Forks within the last FORK_RATE_WINDOW_MS. */
  perSecond(nowMs: number): number {
    this.#forget(nowMs);
    return this.#recent.length;
  }

  #forget(nowMs: number): void {
    while (this.#recent.length > RECENT_FORKS_KEPT || nowMs - (this.#recent[0] ?? nowMs) >= FORK_RATE_WINDOW_MS) this.#recent.shift();
  }
}
