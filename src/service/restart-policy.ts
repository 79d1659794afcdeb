// When a DAEMON that died is started again: exponential backoff, reset by a healthy run, a give-up rule.

/** The numbers of the policy (SUPERVISOR.restart_*). */
export interface RestartPolicy {
  readonly restartDelayMs: number;
  readonly restartMaxDelayMs: number;
  readonly restartResetAfterMs: number;
  /** 0 = never give up. */
  readonly restartGiveUpCount: number;
}

/** What to do after an unexpected exit. */
export type RestartDecision =
  | { readonly kind: 'restart'; readonly delayMs: number; readonly failures: number }
  | { readonly kind: 'give-up'; readonly failures: number };

/**
 * `failuresBefore` quick failures in a row preceded this exit; the process ran `ranForMs`.
 * A run shorter than restartResetAfterMs is a quick failure; a longer one resets the count.
 * The delay is restartDelayMs * 2^failures, capped at restartMaxDelayMs.
 */
export function decideRestart(policy: RestartPolicy, failuresBefore: number, ranForMs: number): RestartDecision {
  const failures = ranForMs < policy.restartResetAfterMs ? failuresBefore + 1 : 0;
  if (policy.restartGiveUpCount > 0 && failures >= policy.restartGiveUpCount) return { kind: 'give-up', failures };
  const delayMs = Math.min(policy.restartMaxDelayMs, policy.restartDelayMs * 2 ** failures);
  return { kind: 'restart', delayMs, failures };
}
