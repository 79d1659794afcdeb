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
