// What every long-running entry (SERVICES pool, DAEMON, EVENTS schedule) offers the supervisor.
import type { Child } from '../child/child.js';
import { describeExit } from '../child/exit.js';
import type { StopLevel } from '../child/stop-level.js';
import type { TagScanner } from '../child/tag-scan.js';
import type { StopOutcome, StopPlan } from '../child/terminate.js';
import type { Clock } from '../clock.js';
import type { CommandSpec, Section, SupervisorSettings } from '../config/types.js';
import type { Log } from '../log.js';

/** One entry as an operator sees it. */
export interface UnitStatus {
  readonly name: string;
  readonly section: Section;
  /** The unit's state-machine state (`running`, `backoff`, `disabled`, ...). */
  readonly state: string;
  readonly pids: readonly number[];
  /** SERVICES with a listener: idle workers ready to accept / workers serving a client. */
  readonly ready: number | undefined;
  readonly busy: number | undefined;
  /** Processes started after the first (respawns, restarts, event runs). */
  readonly restarts: number;
  /** The last exit of one of its processes: `exit code 0`, `killed by SIGKILL`. */
  readonly lastExit: string | undefined;
  /** Listening address, when it has one. */
  readonly listen: string | undefined;
  /** What Cyrus master reports of a SERVICES or DAEMON entry in master.txt (ops/master-report.ts). */
  readonly master?: MasterStats;
}

/** One entry's line in each family of Cyrus master's Prometheus report. */
export interface MasterStats {
  /** `ipv4`, `ipv6`, `unix`; `daemon` for a DAEMON (master's add_daemon). */
  readonly family: string;
  readonly readyWorkers: number;
  readonly forks: number;
  /** master's nactive: every live process of the entry (the help text says "servicing clients"; the code counts all). */
  readonly activeChildren: number;
  readonly maxChildren: number;
  readonly forksPerSecond: number;
  readonly maxForksPerSecond: number;
  readonly readyFails: number;
}

/** Length of the window a fork rate is counted over (master's forks_per_second). */
export const FORK_RATE_SAMPLE_MS = 1_000;

/** The address family master names a listening address by (a DAEMON has none: `daemon`). */
export const familyOf = (address: string | undefined): string =>
  address === undefined ? 'daemon' : address.startsWith('/') ? 'unix' : address.startsWith('[') ? 'ipv6' : 'ipv4';

/** A config entry brought to life; the supervisor only starts, stops and inspects it. */
export interface Unit {
  readonly name: string;
  readonly section: Section;
  /** Starts its processes (idempotent). */
  start(): void;
  /** Stops everything it runs, never to restart; resolves when all its processes are gone. */
  stop(level: StopLevel): Promise<readonly StopOutcome[]>;
  /** Processes alive now. */
  liveChildren(): readonly Child[];
  /** What `quiesce status` shows. */
  describe(): UnitStatus;
}

/** What units need from the supervisor. */
export interface UnitDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Current SUPERVISOR settings (they change on reload). */
  readonly settings: () => SupervisorSettings;
  /** A fresh QUIESCE_TAG value for the next child. */
  readonly nextTag: () => string;
  /** Passes over /proc shared by every child (which processes carry which tag). */
  readonly tags: TagScanner;
  /** Wraps every child's argv (setpriv --pdeathsig); identity when absent. */
  readonly wrapArgv?: (argv: readonly string[], spec: CommandSpec) => readonly string[];
}

/** The stop plan written in an entry. */
export const stopPlanOf = (spec: CommandSpec): StopPlan => ({
  stopSignal: spec.stopSignal,
  quitTimeoutMs: spec.quitTimeoutMs,
  termTimeoutMs: spec.termTimeoutMs,
});

/** `exit code 0` / `killed by SIGTERM` of the child's exit, if it has exited. */
export function lastExitOf(child: Child | undefined): string | undefined {
  const s = child?.state;
  return s?.kind === 'exited' ? describeExit(s.exit) : undefined;
}
