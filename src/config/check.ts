// Runs one zod schema over one part of the file and turns its issues into positioned diagnostics.
import type * as z from 'zod';
import { err, ok, type Diagnostic, type Result } from '../errors.js';
import { quoted } from './describe.js';
import type { KeyPath, Where } from './locate.js';
import { closest } from './suggest.js';

/** "unknown key `quit_timout`: did you mean `quit_timeout`? (expected one of: cmd, listen, ...)" */
export function unknownKey(key: string, known: readonly string[], noun = 'key'): string {
  const near = closest(key, known);
  const hint = near === undefined ? '' : `: did you mean \`${near}\`?`;
  return `unknown ${noun} ${quoted(key)}${hint} (expected one of: ${known.join(', ')})`;
}

/** What a lenient check found: every problem, and the parsed value of the keys that had none. */
export interface Checked<T> {
  readonly diagnostics: readonly Diagnostic[];
  /** The keys with a problem (unknown ones included). */
  readonly broken: ReadonlySet<string>;
  /** The value parsed without the broken keys; undefined when even that fails (a missing key, not a mapping). */
  readonly valid: T | undefined;
}

/**
 * Validates `value`, found at `at` in the file, against a strict object schema. Every issue
 * becomes a diagnostic: an unknown key points at the key (one per key), anything else at the value,
 * or at the enclosing mapping when the key is missing.
 */
export function check<S extends z.ZodObject>(schema: S, value: unknown, at: KeyPath, where: Where): Result<z.output<S>, Diagnostic[]> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : err(diagnose(schema, parsed.error, at, where).diagnostics);
}

/**
 * Like `check`, then parses again without the broken keys, so the caller can go on checking what
 * the valid keys allow (a broken listen must not hide a missing program) with defaults in their place.
 */
export function checkLeniently<S extends z.ZodObject>(schema: S, value: unknown, at: KeyPath, where: Where): Checked<z.output<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { diagnostics: [], broken: new Set(), valid: parsed.data };
  const { diagnostics, broken } = diagnose(schema, parsed.error, at, where);
  const isMapping = value !== null && typeof value === 'object' && !Array.isArray(value);
  const rest = isMapping ? Object.fromEntries(Object.entries(value).filter(([k]) => !broken.has(k))) : undefined;
  const retried = rest === undefined ? undefined : schema.safeParse(rest);
  return { diagnostics, broken, valid: retried?.success === true ? retried.data : undefined };
}

function diagnose(schema: z.ZodObject, error: z.ZodError, at: KeyPath, where: Where): { diagnostics: Diagnostic[]; broken: Set<string> } {
  const known = Object.keys(schema.shape);
  const diagnostics: Diagnostic[] = [];
  const broken = new Set<string>();
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        broken.add(key);
        diagnostics.push(where.atKey([...at, ...path, key], unknownKey(key, known)));
      }
    } else if (issue.code === 'invalid_key') {
      // A record key (an `env` name) that its key parser refused: point at the key, with its message.
      if (path[0] !== undefined) broken.add(String(path[0]));
      diagnostics.push(where.atKey([...at, ...path], issue.issues[0]?.message ?? issue.message));
    } else {
      if (path[0] !== undefined) broken.add(String(path[0]));
      diagnostics.push(where.atValue([...at, ...path], issue.message));
    }
  }
  return { diagnostics, broken };
}
