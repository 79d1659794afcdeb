// `quiesce plan [--stop-budget 90s] [--unit FILE] [--fast]`: print the stop plan; exit 1 when it overruns a limit.
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import { checkStopPlan, computeStopPlan, type StopLimit } from './plan.js';
import { renderStopPlan } from './plan-text.js';
import { PLAN_EXIT } from '../exit-codes.js';
export { PLAN_EXIT } from '../exit-codes.js';
import { stopTimeoutOfUnit } from './systemd-unit.js';
import { parseTimespan } from './timespan.js';


/** Options of `quiesce plan`. */
export interface PlanOptions {
  /** `90s`, `4min`: the time the stop must fit in. */
  readonly stopBudget: string | undefined;
  /** A systemd unit file whose TimeoutStopSec= the stop must fit in. */
  readonly unitFile: string | undefined;
  readonly fast: boolean;
}

/** Whether a stop of `config` waits for the sync logs (its imapd.conf says `sync_log: yes`). */
function isReplicationMaster(config: Config, io: { err: (t: string) => void }): boolean {
  const file = config.supervisor.cyrusConfig;
  if (file === undefined) return false;
  // the imapd.conf as read with the config (the view the running instance has), not read again
  if (config.cyrus === undefined) {
    io.err(`warning: cannot read ${file}; the plan leaves out the sync log drain that a replication master adds`);
    return false;
  }
  return config.cyrus.imapd.syncLog;
}

/** Prints the plan of `config`; the exit code says whether it fits. */
export async function planCommand(config: Config, opts: PlanOptions, io: { out: (t: string) => void; err: (t: string) => void }): Promise<number> {
  const limits: StopLimit[] = [];
  if (opts.stopBudget !== undefined) {
    const span = parseTimespan(opts.stopBudget);
    if (!span.ok) {
      io.err(`--stop-budget: ${span.error}`);
      return PLAN_EXIT.usage;
    }
    limits.push({ name: `--stop-budget ${opts.stopBudget}`, limit: span.value });
  }
  if (opts.unitFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.unitFile, 'utf8');
    } catch (e) {
      io.err(`cannot read unit file ${opts.unitFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return PLAN_EXIT.noInput;
    }
    const t = stopTimeoutOfUnit(text);
    if (!t.ok) {
      io.err(`${opts.unitFile}: ${t.error}`);
      return PLAN_EXIT.noInput;
    }
    limits.push({ name: `${t.value.source} in ${opts.unitFile}`, limit: t.value.timeout });
  }
  const plan = computeStopPlan(config, opts.fast ? 'fast' : 'graceful', isReplicationMaster(config, io));
  const overruns = checkStopPlan(plan, limits);
  io.out(renderStopPlan(plan, overruns));
  return overruns.length > 0 ? PLAN_EXIT.overrun : PLAN_EXIT.fits;
}
