// A point-in-time picture of the supervisor, for `quiesce status`, the control socket and metrics.
import type { LogSinkStatus } from '../log-sink.js';
import type { UnitStatus } from '../service/unit.js';
import type { PhaseKind } from './phase.js';

/** One failing mailbox, user or batch in `quiesce status`. */
export interface SyncFailureStatus {
  readonly mailbox: string | null;
  readonly user: string | null;
  readonly reason: string;
  readonly count: number;
  readonly sinceAgoMs: number;
  readonly replay: string;
}

/** The whole supervisor. */
export interface StatusSnapshot {
  readonly pid: number;
  readonly config: string;
  readonly version: string;
  readonly phase: PhaseKind;
  readonly phaseSinceMs: number;
  readonly uptimeMs: number;
  /** Valid configs applied: 1 at start, one more for each reload that was applied. */
  readonly generation: number;
  /** What the last reload has not finished yet (empty when the running config is the file's). */
  readonly applying: readonly string[];
  /** Signals with no job that arrived (ignored), by name: `{ SIGUSR2: 3 }`. */
  readonly ignoredSignals: Readonly<Record<string, number>>;
  /** Whether log lines reach the log (log-sink.ts). */
  readonly log: LogSinkStatus;
  readonly units: readonly UnitStatus[];
  /** A replication master's sync log backlog, as last checked (absent otherwise). */
  readonly replication?: {
    readonly level: 'ok' | 'warn' | 'critical';
    readonly checkedAgoMs: number | undefined;
    readonly channels: readonly {
      readonly channel: string; readonly level: string; readonly files: number; readonly bytes: number; readonly lines: number; readonly oldestAgeMs: number | null; readonly skippedUsers: readonly string[];
      /** sync_client failure lines seen since start (sync-error-line.ts). */
      readonly syncErrors: number;
      /** What failed and no completed batch settled since, oldest first. */
      readonly failing: readonly SyncFailureStatus[];
    }[];
  };
}
