// The fatal path: a bug was thrown past every handler (exit 70). Whatever happens in here, each
// cleanup runs (the children are stopped, bounded; the pidfile and sockets are released), and
// nothing thrown inside escapes: an exception in an uncaughtException handler would make Node exit
// with its own code 7 and skip the rest.
import { safeText } from './safe-text.js';

/** Bounds of the fatal path (README "Exit codes", 70). */
export const FATAL = {
  /** SIGTERM -> SIGKILL for the children of a supervisor that hit a bug. */
  termGraceMs: 2_000,
  /** How often the children are looked for meanwhile. */
  pollMs: 50,
} as const;

const cleanups = new Set<() => void>();
let report: (message: string) => void = () => undefined;
let entered = false;

/** Runs `cleanup` on the fatal path (in the order registered); returns the unregister function. */
export function onFatal(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/** Where the fatal path says what happened (the log once there is one, stderr before). */
export function reportFatalTo(reporter: (message: string) => void): () => void {
  const previous = report;
  report = reporter;
  return () => {
    report = previous;
  };
}

/** Reports `error` and runs every cleanup, each guarded; a second call (a fault inside) does nothing. */
export function runFatalPath(error: unknown): void {
  if (entered) return;
  entered = true;
  try {
    report(safeText(error instanceof Error ? (error.stack ?? error.message) : String(error)));
  } catch {
    // the report is the least important part of this path
  }
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // every other cleanup still runs
    }
  }
}
