// The repeated-failure rule of Cyrus master: N failures, each within an interval of the previous, disable a service.
//
// What counts as a failure is narrower than in Cyrus. Cyrus counts every abnormal death of an idle
// worker, so killing all idle workers at once (an operator's `kill`, the OOM killer) disables the
// service until the next SIGHUP. quiesce counts what says the service cannot run: an exit code
// other than 0 and 75 (EX_TEMPFAIL, "killed"), a crash signal, or a failed exec. A worker ended by
// a signal from outside (SIGKILL, SIGTERM, ...) is simply replaced, so the pool refills.
import type { ExitInfo } from '../child/exit.js';

/** Signals whose default action is a core dump because the program itself went wrong. */
export const CRASH_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set<NodeJS.Signals>(['SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGILL', 'SIGFPE', 'SIGSYS', 'SIGTRAP', 'SIGXCPU', 'SIGXFSZ']);

/** Whether an idle worker's exit counts as a ready-fail. */
export function isReadyFail(exit: ExitInfo): boolean {
  if (exit.spawnError !== undefined) return true;
  if (exit.signal !== null) return CRASH_SIGNALS.has(exit.signal);
  return exit.code !== 0 && exit.code !== 75;
}

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
