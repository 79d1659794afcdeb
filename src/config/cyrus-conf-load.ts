// A cyrus.conf read directly (`quiesce run -M /etc/cyrus.conf`): the file is converted as `quiesce
// convert` would (convert/), then validated like a YAML config, with every diagnostic pointing at
// the cyrus.conf line and key it is about. What Cyrus master refuses, quiesce refuses; what master
// ignores (an unknown key, a second section) is dropped with a warning, as master drops it.
import { parse } from 'yaml';
import { convertCyrusConf } from '../convert/cyrus-conf.js';
import { err, type Diagnostic, type Result } from '../errors.js';
import type { KeyPath, Where } from './locate.js';
import { safePath } from './locate.js';
import type { Config } from './types.js';
import { validateConfig, type ValidateOptions } from './validate.js';

/** The first line that is not blank or a comment opens a section: `START {`. YAML cannot start so. */
export function looksLikeCyrusConf(text: string): boolean {
  for (const line of text.split('\n')) {
    const code = line.replace(/#.*/, '').trim();
    if (code !== '') return /^[A-Za-z]+\s*\{/.test(code);
  }
  return false;
}

type Position = { readonly line: number; readonly col: number };

/** Positions in a cyrus.conf, by quiesce key path, from the conversion. */
class CyrusConfWhere implements Where {
  readonly #file: string;
  readonly #data: Record<string, unknown>;
  readonly #positions: ReadonlyMap<string, Position>;

  constructor(file: string, data: Record<string, unknown>, positions: ReadonlyMap<string, Position>) {
    this.#file = file;
    this.#data = data;
    this.#positions = positions;
  }

  atValue(path: KeyPath, message: string): Diagnostic {
    return this.#diagnostic(path, message);
  }

  atKey(path: KeyPath, message: string): Diagnostic {
    return this.#diagnostic(path, message);
  }

  /** Sections and entries in file order (the conversion's), keys of an entry as converted. */
  keysAt(path: KeyPath): string[] {
    if (path.length === 0) return Object.keys(this.#data);
    if (path.length === 1) return [...this.#positions.keys()].filter((k) => k.startsWith(`${String(path[0])}.`) && k.split('.').length === 2).map((k) => k.split('.')[1] as string);
    let node: unknown = this.#data;
    for (const p of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[String(p)] : undefined;
    return typeof node === 'object' && node !== null ? Object.keys(node) : [];
  }

  lineOfKey(path: KeyPath): number {
    return this.#position(path).line;
  }

  #position(path: KeyPath): Position {
    for (let n = path.length; n > 0; n--) {
      const at = this.#positions.get(path.slice(0, n).join('.'));
      if (at !== undefined) return at;
    }
    return { line: 1, col: 1 };
  }

  #diagnostic(path: KeyPath, message: string): Diagnostic {
    return { file: this.#file, ...this.#position(path), path: safePath(path), message };
  }
}

/**
 * Validates cyrus.conf text as the config of `file`. `supervisor` holds the SUPERVISOR settings
 * (a cyrus.conf has none: they come from the defaults and the command line).
 */
export function parseCyrusConfText(text: string, file: string, supervisor: Record<string, unknown>, opts: ValidateOptions, wrapWhere: (w: Where) => Where): Result<Config, readonly Diagnostic[]> {
  const converted = convertCyrusConf(text, file);
  const refused = converted.problems.filter((p) => p.refused === true).map(({ refused: _, ...d }) => d);
  const warnings = converted.problems.filter((p) => p.refused !== true).map(({ refused: _, ...d }) => d);
  const entries = (parse(converted.yaml) ?? {}) as Record<string, unknown>;
  const data = { SUPERVISOR: supervisor, ...entries };
  const validated = validateConfig(data, file, wrapWhere(new CyrusConfWhere(file, data, converted.positions)), { ...opts, warnings });
  // what master refuses is reported with whatever else is wrong with the entries it did not refuse
  if (refused.length === 0) return validated;
  return err([...refused, ...(validated.ok ? [] : validated.error)].sort((a, b) => a.line - b.line || a.col - b.col));
}
