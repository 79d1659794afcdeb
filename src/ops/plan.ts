// `quiesce plan`: the exact stop sequence of a config (supervisor/shutdown-steps.ts, the list the
// shutdown itself executes), each step's worst-case duration, and the total.
import type { Config } from '../config/types.js';
import { unreachable } from '../errors.js';
import type { StopMode } from '../supervisor/phase.js';
import { costOf, entryOf, shutdownSteps, type StepCost } from '../supervisor/shutdown-steps.js';
import type { Timespan } from './timespan.js';

/** One step of the stop sequence with its worst case; `entries`/`entry` name what it stops. */
export type PlanStep =
  | (Extract<StepCost, { kind: 'drain' }> & { readonly entries: readonly string[] })
  | Extract<StepCost, { kind: 'sync-drain' }>
  | (Extract<StepCost, { kind: 'daemon' }> & { readonly entry: string })
  | (Extract<StepCost, { kind: 'command' }> & { readonly entry: string })
  | Extract<StepCost, { kind: 'sweep' }>;

/** The whole stop sequence. */
export interface StopPlan {
  readonly config: string;
  readonly mode: StopMode;
  readonly steps: readonly PlanStep[];
  readonly totalMs: number;
}

/** The stop sequence of `config` with worst-case budgets (pure); `replicationMaster` adds the sync drain. */
export function computeStopPlan(config: Config, mode: StopMode = 'graceful', replicationMaster = false): StopPlan {
  const steps = shutdownSteps(config, replicationMaster).map((step): PlanStep => {
    const cost = costOf(step, mode);
    switch (cost.kind) {
      case 'drain':
        return { ...cost, entries: step.kind === 'drain' ? step.entries.map((e) => e.name) : [] };
      case 'daemon':
      case 'command':
        return { ...cost, entry: entryOf(step) ?? '' };
      case 'sync-drain':
      case 'sweep':
        return cost;
      default:
        return unreachable(cost);
    }
  });
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
