// What Cyrus master keeps up for its instance besides its children, done by quiesce when the
// config names a Cyrus instance (SUPERVISOR.cyrus_config): the proc directory (ops/proc-files.ts)
// and master's Prometheus report (ops/master-report.ts).
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import type { Log } from '../log.js';
import type { UnitStatus } from '../service/unit.js';
import { startMasterReport } from './master-report.js';
import { procFileKeeper, sweepStaleProcs, type Owner } from './proc-files.js';
import { join } from 'node:path';

/** What the upkeep reads as it goes: the config of the moment (reloads), the units, who owns the files. */
export interface UpkeepDeps {
  readonly config: () => Config;
  readonly units: () => readonly UnitStatus[];
  readonly owner: () => Owner;
  readonly log: Log;
  readonly clock: Clock;
}

/** Starts the upkeep; close() stops it. */
export function startCyrusUpkeep(deps: UpkeepDeps): { close(): void } {
  const procPath = (): string | undefined => deps.config().cyrus?.procPath;
  const dir = procPath();
  if (dir !== undefined) {
    const swept = sweepStaleProcs(dir);
    if (swept.length > 0) deps.log.emit({ event: 'cyrus.proc-swept', dir, pids: swept });
  }
  const unsubscribe = deps.log.subscribe(procFileKeeper(procPath, deps.owner));
  const prometheus = (): { file: string; everyMs: number } | undefined => {
    const p = deps.config().cyrus?.prometheus;
    return p?.enabled === true ? { file: join(p.statsDir, 'master.txt'), everyMs: p.updateMs } : undefined;
  };
  const report = startMasterReport({ target: prometheus, units: deps.units, owner: deps.owner, clock: deps.clock, onError: (message) => deps.log.emit({ event: 'cyrus.report-failed', message }) });
  return {
    close: () => {
      unsubscribe();
      report.stop();
    },
  };
}
