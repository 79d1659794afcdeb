// `quiesce plan`: the exact stop sequence of a config, each step's worst-case duration, and the total.
//
// It mirrors src/supervisor/shutdown.ts: SERVICES and EVENTS are stopped together (the slowest
// decides), then (replication master) the wait for sync_client to empty the sync logs, then each
// DAEMON in reverse file order, then each SHUTDOWN command in order (its
// timeout, then its own stop escalation), then the sweep of leftovers. A graceful stop gives each
// child quit_timeout before SIGTERM and term_timeout before SIGKILL; a fast stop starts at SIGTERM.
// After SIGKILL quiesce waits until the process is gone, which the kernel makes quick but does not bound.
import type { CommandSpec, Config } from '../config/types.js';
import type { StopMode } from '../supervisor/phase.js';
import type { Timespan } from './timespan.js';

/** Fixed costs the plan adds. */
export const PLAN_DEFAULTS = {
  /** The final sweep waits up to 100 x 20 ms for SIGKILLed leftovers (ShutdownRun#sweep). */
  sweepMaxMs: 2_000,
} as const;

/** One step of the stop sequence with its worst case. */
export type PlanStep =
  | { readonly kind: 'drain'; readonly entries: readonly string[]; readonly slowest: string | undefined; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'sync-drain'; readonly budgetMs: number }
  | { readonly kind: 'daemon'; readonly entry: string; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'command'; readonly entry: string; readonly timeoutMs: number; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'sweep'; readonly budgetMs: number };

/** The whole stop sequence. */
export interface StopPlan {
  readonly config: string;
  readonly mode: StopMode;
  readonly steps: readonly PlanStep[];
  readonly totalMs: number;
}

/** Stop signal -> SIGTERM and SIGTERM -> SIGKILL of one child, in a given mode. */
function escalation(spec: CommandSpec, mode: StopMode): { quitMs: number; termMs: number } {
  return { quitMs: mode === 'graceful' ? spec.quitTimeoutMs : 0, termMs: spec.termTimeoutMs };
}

/**
 * The stop sequence of `config` with worst-case budgets (pure). `replicationMaster`: its imapd.conf
 * has `sync_log: yes`, so the stop waits up to sync_drain_timeout for sync_client after the drain.
 */
export function computeStopPlan(config: Config, mode: StopMode = 'graceful', replicationMaster = false): StopPlan {
  const drainEntries = [...config.services, ...config.events];
  let slowest: { spec: CommandSpec; quitMs: number; termMs: number } | undefined;
  for (const spec of drainEntries) {
    const e = escalation(spec, mode);
    if (slowest === undefined || e.quitMs + e.termMs > slowest.quitMs + slowest.termMs) slowest = { spec, ...e };
  }
  const steps: PlanStep[] = [
    {
      kind: 'drain',
      entries: drainEntries.map((e) => e.name),
      slowest: slowest?.spec.name,
      quitMs: slowest?.quitMs ?? 0,
      termMs: slowest?.termMs ?? 0,
      budgetMs: slowest === undefined ? 0 : slowest.quitMs + slowest.termMs,
    },
  ];
  if (replicationMaster) steps.push({ kind: 'sync-drain', budgetMs: config.supervisor.syncDrainTimeoutMs });
  for (const d of [...config.daemons].reverse()) {
    const e = escalation(d, mode);
    steps.push({ kind: 'daemon', entry: d.name, ...e, budgetMs: e.quitMs + e.termMs });
  }
  for (const c of config.shutdown) {
    // A SHUTDOWN command over its timeout is stopped from its stop signal, even in a fast stop.
    const e = escalation(c, 'graceful');
    steps.push({ kind: 'command', entry: c.name, timeoutMs: c.timeoutMs, ...e, budgetMs: c.timeoutMs + e.quitMs + e.termMs });
  }
  steps.push({ kind: 'sweep', budgetMs: PLAN_DEFAULTS.sweepMaxMs });
  return { config: config.file, mode, steps, totalMs: steps.reduce((sum, s) => sum + s.budgetMs, 0) };
}

/** A limit the stop must fit in: `--stop-budget`, or a unit's TimeoutStopSec=. */
export interface StopLimit {
  /** `--stop-budget 90s`, `TimeoutStopSec=240s (line 32) in init/quiesce.service`. */
  readonly name: string;
  readonly limit: Timespan;
}

/** A limit the worst case does not fit in, and the step that would be cut short. */
export interface PlanOverrun {
  readonly limit: StopLimit;
  readonly overByMs: number;
  /** Index into plan.steps of the step running when the limit is reached. */
  readonly cutStep: number;
}

/** The limits the plan's worst case exceeds (pure). */
export function checkStopPlan(plan: StopPlan, limits: readonly StopLimit[]): PlanOverrun[] {
  const overruns: PlanOverrun[] = [];
  for (const limit of limits) {
    if (limit.limit.kind === 'infinity' || plan.totalMs <= limit.limit.ms) continue;
    let elapsed = 0;
    let cutStep = plan.steps.length - 1;
    for (const [i, s] of plan.steps.entries()) {
      elapsed += s.budgetMs;
      if (elapsed > limit.limit.ms) {
        cutStep = i;
        break;
      }
    }
    overruns.push({ limit, overByMs: plan.totalMs - limit.limit.ms, cutStep });
  }
  return overruns;
}
