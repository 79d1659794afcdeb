// A point-in-time picture of the supervisor, for `quiesce status`, the control socket and metrics.
import type { UnitStatus } from '../service/unit.js';
import type { PhaseKind } from './phase.js';

/** The whole supervisor. */
export interface StatusSnapshot {
  readonly pid: number;
  readonly config: string;
  readonly version: string;
  readonly phase: PhaseKind;
  readonly phaseSinceMs: number;
  readonly uptimeMs: number;
  readonly units: readonly UnitStatus[];
  /** A replication master's sync log backlog, as last checked (absent otherwise). */
  readonly replication?: {
    readonly level: 'ok' | 'warn' | 'critical';
    readonly checkedAgoMs: number | undefined;
    readonly channels: readonly { readonly channel: string; readonly level: string; readonly files: number; readonly bytes: number; readonly lines: number; readonly oldestAgeMs: number | null }[];
  };
}
