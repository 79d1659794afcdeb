// Which control socket a config file's instance listens on, even when the rest of the file is broken.
//
// `quiesce status|stop|reload -c FILE` must reach a running instance after someone broke its file
// (the instance keeps its old config, and the operator may want to stop it now). Only what locates
// the socket has to be valid: the YAML syntax and SUPERVISOR.pidfile / control_socket /
// cyrus_config (whose imapd.conf may name master's pidfile). A cyrus.conf has no SUPERVISOR: its
// socket follows from the command line's settings and the imapd.conf alone.
import { dirname, resolve } from 'node:path';
import { err, ok, type Diagnostic, type Result } from '../errors.js';
import { readCyrusSettings } from './cyrus-settings.js';
import { looksLikeCyrusConf } from './cyrus-conf-load.js';
import { loadConfigFile, type CommandLineSettings } from './load.js';
import { readSupervisor, supervisorSettings } from './supervisor-settings.js';
import { readConfigText } from './text-file.js';
import { parseYaml } from './yaml-doc.js';

/** SUPERVISOR keys that decide where the control socket is. */
const LOCATING_KEYS = ['SUPERVISOR.pidfile', 'SUPERVISOR.control_socket', 'SUPERVISOR.cyrus_config'];

/** The control socket named (or implied) by `file`, or the problems that keep it from being known. */
export function controlSocketOf(file: string, commandLine: CommandLineSettings = { values: {}, origins: {} }): Result<string, readonly Diagnostic[]> {
  const text = readConfigText(file);
  if (!text.ok) return text;
  if (looksLikeCyrusConf(text.value)) {
    const loaded = loadConfigFile(file, { checkExecutables: false, commandLine });
    return loaded.ok ? ok(loaded.value.supervisor.controlSocket) : loaded;
  }
  const doc = parseYaml(text.value, file);
  if (!doc.ok) return err(doc.error);
  const top = doc.value.data;
  const own = typeof top === 'object' && top !== null ? (top as Record<string, unknown>)['SUPERVISOR'] : undefined;
  const section = { ...(typeof own === 'object' && own !== null ? own : {}), ...commandLine.values };
  const read = readSupervisor(own === undefined || (typeof own === 'object' && own !== null) ? section : own, doc.value.where);
  const locating = read.diagnostics.filter((d) => d.path === 'SUPERVISOR' || LOCATING_KEYS.some((k) => d.path.startsWith(k)));
  if (locating.length > 0) return err(locating);
  // A key that is written but did not survive the check would silently become its default.
  const written = Object.keys(section);
  if (LOCATING_KEYS.some((k) => { const key = k.slice('SUPERVISOR.'.length); return written.includes(key) && !(key in read.raw); })) return err(read.diagnostics);
  const absolute = resolve(file);
  const baseDir = dirname(absolute);
  const cyrus = read.raw.cyrus_config === undefined ? undefined : readCyrusSettings(resolve(baseDir, read.raw.cyrus_config));
  return ok(supervisorSettings(read.raw, absolute, baseDir, cyrus?.ok === true ? cyrus.value : undefined).controlSocket);
}
