// How a process ended, as data and as words.

/** The end of one process: an exit code, a signal, or a spawn error. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES, ...). */
  readonly spawnError: string | undefined;
  /** Epoch ms. */
  readonly at: number;
}

/** True for a plain `exit 0`. */
export const isSuccess = (e: ExitInfo): boolean => e.code === 0 && e.signal === null && e.spawnError === undefined;

/** "exit code 1", "killed by SIGKILL", "could not start: ENOENT". */
export function describeExit(e: ExitInfo): string {
  if (e.spawnError !== undefined) return `could not start: ${e.spawnError}`;
  if (e.signal !== null) return `killed by ${e.signal}`;
  return `exit code ${e.code ?? '?'}`;
}
