// What every long-running entry (SERVICES pool, DAEMON, EVENTS schedule) offers the supervisor.
import type { Child } from '../child/child.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome, StopPlan } from '../child/terminate.js';
import type { Clock } from '../clock.js';
import type { CommandSpec, Section, SupervisorSettings } from '../config/types.js';
import type { Log } from '../log.js';

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
}

/** What units need from the supervisor. */
export interface UnitDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Current SUPERVISOR settings (they change on reload). */
  readonly settings: () => SupervisorSettings;
  /** A fresh QUIESCE_TAG value for the next child. */
  readonly nextTag: () => string;
}

/** The stop plan written in an entry. */
export const stopPlanOf = (spec: CommandSpec): StopPlan => ({
  stopSignal: spec.stopSignal,
  quitTimeoutMs: spec.quitTimeoutMs,
  termTimeoutMs: spec.termTimeoutMs,
});
