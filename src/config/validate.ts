// The parsed document -> a frozen Config, or every problem in it. Never stops at the first one:
// each section and each entry is checked on its own, so one bad value hides nothing else.
import { dirname, resolve } from 'node:path';
import { err, ok, type Diagnostic, type Result } from '../errors.js';
import { checkLeniently, unknownKey } from './check.js';
import { expected, quoted } from './describe.js';
import { buildEntry, commandProblems, type EntryContext } from './entries.js';
import { deepFreeze } from './freeze.js';
import { LIMITS } from './limits.js';
import type { Where } from './locate.js';
import { entrySchemas, SECTIONS, TOP_LEVEL_KEYS } from './schema.js';
import { readSupervisor, supervisorSettings } from './supervisor-settings.js';
import type { Config, Entry, Section, SupervisorSettings } from './types.js';
import { unixPathProblem } from './unix-path.js';
import { readCyrusSettings, type CyrusSettings } from './cyrus-settings.js';
import { entryName } from './values.js';

/** What validation needs besides the document. */
export interface ValidateOptions {
  /** Check what depends on this machine: programs exist, the imapd.conf of cyrus_config can be read. */
  readonly checkExecutables: boolean;
  readonly pathEnv: string | undefined;
  /** What the file has that is dropped with a warning (a cyrus.conf read directly). */
  readonly warnings?: readonly Diagnostic[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Validates `data` (the document's toJS()) read from `file`. */
export function validateConfig(data: unknown, file: string, where: Where, opts: ValidateOptions): Result<Config, readonly Diagnostic[]> {
  const top = data ?? {};
  if (!isMapping(top)) return err([where.atValue([], expected(`a mapping of sections (${TOP_LEVEL_KEYS.join(', ')})`, top))]);
  const diagnostics: Diagnostic[] = [];
  for (const key of where.keysAt([])) {
    if (!TOP_LEVEL_KEYS.includes(key)) diagnostics.push(where.atKey([key], unknownKey(key, TOP_LEVEL_KEYS, 'section')));
  }
  const absolute = resolve(file);
  const baseDir = dirname(absolute);
  const supervisor = readSupervisor(top['SUPERVISOR'], where);
  diagnostics.push(...supervisor.diagnostics);
  const cyrus = cyrusOf(supervisor.raw.cyrus_config === undefined ? undefined : resolve(baseDir, supervisor.raw.cyrus_config), opts.checkExecutables, where, diagnostics);
  const settings = supervisorSettings(supervisor.raw, absolute, baseDir, cyrus);
  diagnostics.push(...socketPathProblems(settings, where));
  // With a broken bin_dir every relative program would be "not found": noise, so not checked.
  const checkExecutables = opts.checkExecutables && supervisor.binDirOk;
  const ctx: EntryContext = { settings, baseDir, where, checkExecutables, pathEnv: opts.pathEnv };
  const entries = collectEntries(top, ctx, diagnostics);
  if (diagnostics.length === 0 && entries.length === 0) diagnostics.push(where.atValue([], NOTHING_TO_SUPERVISE));
  if (diagnostics.length > 0) return err(diagnostics.sort((a, b) => a.line - b.line || a.col - b.col));
  return ok(
    deepFreeze({
      file: absolute,
      supervisor: settings,
      cyrus,
      warnings: opts.warnings ?? [],
      start: entries.filter(inSection('START')),
      services: entries.filter(inSection('SERVICES')),
      events: entries.filter(inSection('EVENTS')),
      daemons: entries.filter(inSection('DAEMON')),
      shutdown: entries.filter(inSection('SHUTDOWN')),
    }),
  );
}

/**
 * The Cyrus settings of the imapd.conf named by cyrus_config. One that cannot be read is a
 * problem of this machine: reported by `check` and `run` (master would not start either), not by
 * `plan` and the other commands that do not look at the machine, which then use quiesce's defaults.
 */
function cyrusOf(file: string | undefined, strict: boolean, where: Where, diagnostics: Diagnostic[]): CyrusSettings | undefined {
  if (file === undefined) return undefined;
  const settings = readCyrusSettings(file);
  if (settings.ok) return settings.value;
  if (strict) diagnostics.push(where.atValue(['SUPERVISOR', 'cyrus_config'], `the Cyrus instance's imapd.conf: ${settings.error}`));
  return undefined;
}

/** An empty, all-comment or cut-off file would otherwise stop every service (on a reload, too). */
const NOTHING_TO_SUPERVISE = `nothing to supervise: no entry in ${SECTIONS.join(', ')} (an empty or cut-off file?)`;

const isEntryName = entryName(LIMITS.entryNameChars);

/** The control and syslog sockets must fit in a sockaddr_un (the control socket's default follows the pidfile). */
function socketPathProblems(s: SupervisorSettings, where: Where): Diagnostic[] {
  const out: Diagnostic[] = [];
  const written = new Set(where.keysAt(['SUPERVISOR']));
  const control = unixPathProblem(s.controlSocket);
  if (control !== undefined) {
    const key = written.has('control_socket') ? 'control_socket' : written.has('pidfile') ? 'pidfile' : undefined;
    const why = key === 'control_socket' ? control : `the control socket next to the pidfile, ${control}; set SUPERVISOR.control_socket to a shorter path`;
    out.push(key === undefined ? where.atValue([], `SUPERVISOR: ${why}`) : where.atValue(['SUPERVISOR', key], why));
  }
  const syslog = s.syslogSocket === undefined ? undefined : unixPathProblem(s.syslogSocket);
  if (syslog !== undefined) out.push(where.atValue(['SUPERVISOR', 'syslog_socket'], syslog));
  return out;
}

function inSection<S extends Section>(section: S): (e: Entry) => e is Extract<Entry, { section: S }> {
  return (e): e is Extract<Entry, { section: S }> => e.section === section;
}

/** Every entry of every section in file order; problems go to `diagnostics`. */
function collectEntries(top: Record<string, unknown>, ctx: EntryContext, diagnostics: Diagnostic[]): Entry[] {
  const { where } = ctx;
  const entries: Entry[] = [];
  // Logs and the control socket name children by entry name alone, so names are unique across sections.
  const firstUse = new Map<string, { section: Section; line: number }>();
  for (const section of SECTIONS) {
    const value = top[section] ?? {};
    if (!isMapping(value)) {
      diagnostics.push(where.atValue([section], expected('a mapping of entry names to entries', value)));
      continue;
    }
    for (const name of where.keysAt([section])) {
      const badName = isEntryName(name);
      if (!badName.ok) diagnostics.push(where.atKey([section, name], badName.error));
      const earlier = firstUse.get(name);
      if (earlier !== undefined) diagnostics.push(where.atKey([section, name], `entry name ${quoted(name)} is already used in ${earlier.section} (line ${earlier.line})`));
      else firstUse.set(name, { section, line: where.lineOfKey([section, name]) });
      const raw = checkLeniently(entrySchemas[section], value[name], [section, name], where);
      if (raw.diagnostics.length > 0) {
        diagnostics.push(...raw.diagnostics);
        // Still look the program up, unless `shell` itself is broken (then cmd may be shell code).
        if (raw.valid !== undefined && !raw.broken.has('shell')) diagnostics.push(...commandProblems(section, name, raw.valid, ctx));
        continue;
      }
      const built = raw.valid === undefined ? undefined : buildEntry(section, name, raw.valid, ctx);
      if (built?.ok === true) entries.push(built.value);
      else if (built !== undefined) diagnostics.push(...built.error);
    }
  }
  return entries;
}
