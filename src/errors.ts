// Results, the Failure union, and the exit codes: the only place an outcome becomes a number.
import { safeText } from './safe-text.js';

/** A value or an expected failure; bugs are thrown, expected failures are returned. */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** One problem found in a config file, positioned at the node it is about. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted key path, e.g. `SERVICES.imap.prefork`; empty for a whole-file problem. */
  readonly path: string;
  readonly message: string;
}

/** `FILE:LINE:COL: KEY.PATH: message`, the one format every config problem is printed in (never with raw control characters). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return safeText(d.path === '' ? `${where}: ${d.message}` : `${where}: ${d.path}: ${d.message}`);
}

/** Every expected way a run can fail, tagged by `reason`. */
export type Failure =
  | { reason: 'usage'; message: string }
  | { reason: 'config-invalid'; diagnostics: readonly Diagnostic[] }
  | { reason: 'cannot-start'; message: string }
  | { reason: 'start-command-failed'; entry: string; description: string }
  | { reason: 'internal'; message: string };

/** Documented exit codes (README "Exit codes"). */
export const EXIT = {
  /** Every child left on its stop signal and every SHUTDOWN command exited 0: safe to fail over. */
  clean: 0,
  /** A START command failed (or startup was interrupted). */
  startFailed: 1,
  /** Clean shutdown commands, but some child needed SIGTERM or SIGKILL. */
  escalated: 3,
  /** A SHUTDOWN command failed, timed out or was skipped: NOT safe to fail over. */
  shutdownFailed: 4,
  /** Command-line usage error (sysexits EX_USAGE). */
  usage: 64,
  /** Internal error, a bug (sysexits EX_SOFTWARE). */
  internal: 70,
  /** Could not start: pidfile locked, unwritable, ... (sysexits EX_TEMPFAIL). */
  cannotStart: 75,
  /** Invalid config (sysexits EX_CONFIG). */
  configInvalid: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code of a failure that prevented a run from starting. */
export function exitCodeOfFailure(f: Failure): ExitCode {
  switch (f.reason) {
    case 'usage':
      return EXIT.usage;
    case 'config-invalid':
      return EXIT.configInvalid;
    case 'cannot-start':
      return EXIT.cannotStart;
    case 'start-command-failed':
      return EXIT.startFailed;
    case 'internal':
      return EXIT.internal;
    default:
      return unreachable(f);
  }
}

/** Marks a switch as exhaustive: the compiler fails when a union member is not handled. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
