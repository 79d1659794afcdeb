// The repeated-failure rule of Cyrus master: N failures, each within an interval of the previous, disable a service.

/** Limits from SUPERVISOR.ready_fail_limit and ready_fail_interval. */
export interface ReadyFailRule {
  readonly readyFailLimit: number;
  readonly readyFailIntervalMs: number;
}

/**
 * Adds a failure at `nowMs` to the chain of recent failures. The chain restarts when the previous
 * failure is older than the interval. Returns the new chain and whether the limit was reached.
 */
export function recordReadyFail(chain: readonly number[], nowMs: number, rule: ReadyFailRule): { chain: number[]; tripped: boolean } {
  const last = chain[chain.length - 1];
  const next = last !== undefined && nowMs - last < rule.readyFailIntervalMs ? [...chain, nowMs] : [nowMs];
  const kept = next.slice(-rule.readyFailLimit);
  return { chain: kept, tripped: kept.length >= rule.readyFailLimit };
}
