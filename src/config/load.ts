// Config file -> text -> YAML document (or a cyrus.conf, read directly) with positions -> validated,
// frozen Config, or every problem found. SUPERVISOR settings given on the command line (master's
// own flags, `--set key=value`) override the file's.
import { err, type Diagnostic, type Result } from '../errors.js';
import { looksLikeCyrusConf, parseCyrusConfText } from './cyrus-conf-load.js';
import { safePath, type KeyPath, type Where } from './locate.js';
import { readConfigText } from './text-file.js';
import type { Config } from './types.js';
import { validateConfig, type ValidateOptions } from './validate.js';
import { parseYaml } from './yaml-doc.js';

/** SUPERVISOR settings from the command line: each value, and the option that gave it (`-l`, `--set quit_timeout`). */
export interface CommandLineSettings {
  readonly values: Readonly<Record<string, unknown>>;
  readonly origins: Readonly<Record<string, string>>;
}

/** How a config is loaded. */
export interface LoadOptions {
  /** Check what depends on this machine: programs exist, cyrus_config can be read (default true). */
  checkExecutables?: boolean;
  /** Environment whose PATH is searched for programs (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** SUPERVISOR settings given on the command line. */
  commandLine?: CommandLineSettings;
}

/** What Cyrus master assumes for a cyrus.conf when not told: its imapd.conf. */
const CYRUS_CONF_DEFAULTS = { cyrus_config: '/etc/imapd.conf' } as const;

/** Reads and validates a config file (YAML, or a cyrus.conf); never throws for bad input. */
export function loadConfigFile(path: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  const text = readConfigText(path);
  return text.ok ? parseConfigText(text.value, path, opts) : text;
}

/** Validates config text; `file` names it in diagnostics and anchors relative paths. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  const validate: ValidateOptions = { checkExecutables: opts.checkExecutables ?? true, pathEnv: (opts.env ?? process.env)['PATH'] };
  const cli = opts.commandLine ?? { values: {}, origins: {} };
  const wrap = (w: Where): Where => new CommandLineWhere(w, cli);
  if (looksLikeCyrusConf(text)) return parseCyrusConfText(text, file, { ...CYRUS_CONF_DEFAULTS, ...cli.values }, validate, wrap);
  const doc = parseYaml(text, file);
  if (!doc.ok) return err(doc.error);
  return validateConfig(withSupervisor(doc.value.data, cli.values), file, wrap(doc.value.where), validate);
}

/** The document with the command line's SUPERVISOR settings over its own. */
function withSupervisor(data: unknown, values: Readonly<Record<string, unknown>>): unknown {
  if (Object.keys(values).length === 0) return data;
  if (data === null || data === undefined) return { SUPERVISOR: values };
  if (typeof data !== 'object' || Array.isArray(data)) return data; // not a mapping: reported as it is
  const top = data as Record<string, unknown>;
  const own = top['SUPERVISOR'];
  if (own !== undefined && own !== null && (typeof own !== 'object' || Array.isArray(own))) return data; // reported as it is
  return { ...top, SUPERVISOR: { ...(own as Record<string, unknown> | null | undefined), ...values } };
}

/** Positions of the file, except a SUPERVISOR key given on the command line: that one is the option's. */
class CommandLineWhere implements Where {
  readonly #inner: Where;
  readonly #cli: CommandLineSettings;

  constructor(inner: Where, cli: CommandLineSettings) {
    this.#inner = inner;
    this.#cli = cli;
  }

  atValue(path: KeyPath, message: string): Diagnostic {
    return this.#option(path, message) ?? this.#inner.atValue(path, message);
  }

  atKey(path: KeyPath, message: string): Diagnostic {
    return this.#option(path, message) ?? this.#inner.atKey(path, message);
  }

  keysAt(path: KeyPath): string[] {
    const own = this.#inner.keysAt(path);
    if (path.length !== 1 || path[0] !== 'SUPERVISOR') return own;
    return [...own, ...Object.keys(this.#cli.values).filter((k) => !own.includes(k))];
  }

  lineOfKey(path: KeyPath): number {
    return this.#inner.lineOfKey(path);
  }

  #option(path: KeyPath, message: string): Diagnostic | undefined {
    const key = path[0] === 'SUPERVISOR' && path.length >= 2 ? String(path[1]) : undefined;
    const origin = key === undefined ? undefined : this.#cli.origins[key];
    return origin === undefined ? undefined : { file: 'command line', line: 1, col: 1, path: safePath([origin, ...path.slice(2)]), message };
  }
}
