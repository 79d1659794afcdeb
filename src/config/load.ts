// Config file -> YAML document with positions -> validated, frozen Config, or every problem found.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import { err, type Diagnostic, type Result } from '../errors.js';
import { Locator } from './locate.js';
import type { Config } from './types.js';
import { validateConfig } from './validate.js';

/** How a config is loaded. */
export interface LoadOptions {
  /** Check that every command's program exists and is executable (default true). */
  checkExecutables?: boolean;
  /** Environment whose PATH is searched for programs (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Reads and validates a config file; never throws for bad input. */
export function loadConfigFile(path: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? String(e);
    return err([{ file: path, line: 1, col: 1, path: '', message: `cannot read the config file (${reason})` }]);
  }
  return parseConfigText(text, path, opts);
}

/** Validates config text; `file` names it in diagnostics and anchors relative paths. */
export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): Result<Config, readonly Diagnostic[]> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  // A document with syntax errors is only partly read; validating it would report phantom problems.
  if (doc.errors.length > 0) return err(doc.errors.map((e) => syntaxDiagnostic(e, file, lineCounter)));
  return validateConfig(doc.toJS(), file, new Locator(doc, lineCounter, file), {
    checkExecutables: opts.checkExecutables ?? true,
    pathEnv: (opts.env ?? process.env)['PATH'],
  });
}

export function syntaxDiagnostic(e: YAMLError, file: string, lineCounter: LineCounter): Diagnostic {
  const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
  const message = e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? e.code;
  return { file, line: at.line, col: at.col, path: '', message: `${message} (YAML ${e.code})` };
}
