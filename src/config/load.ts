// Config file -> text -> YAML document with positions -> validated, frozen Config, or every problem found.
import { err, type Diagnostic, type Result } from '../errors.js';
import { readConfigText } from './text-file.js';
import type { Config } from './types.js';
import { validateConfig } from './validate.js';
import { parseYaml } from './yaml-doc.js';

/** How a config is loaded. */
export interface LoadOptions {
  /** Check that every command's program exists and is executable (default true). */
  checkExecutables?: boolean;
  /** Environment whose PATH is searched for programs (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Reads and validates a config file; never throws for bad input. */
export function loadConfigFile(path: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  const text = readConfigText(path);
  return text.ok ? parseConfigText(text.value, path, opts) : text;
}

/** Validates config text; `file` names it in diagnostics and anchors relative paths. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  const doc = parseYaml(text, file);
  if (!doc.ok) return err(doc.error);
  return validateConfig(doc.value.data, file, doc.value.where, {
    checkExecutables: opts.checkExecutables ?? true,
    pathEnv: (opts.env ?? process.env)['PATH'],
  });
}
