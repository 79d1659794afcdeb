// Results, config diagnostics and exhaustive switches. Exit codes are in exit-codes.ts.
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

/** Marks a switch as exhaustive: the compiler fails when a union member is not handled. */
export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
