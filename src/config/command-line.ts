// Which config a command reads, and the SUPERVISOR settings its command line gives: quiesce's own
// `-c FILE` and `--set key=value`, and Cyrus master's flags, so that switching a unit from master
// is a change of the program name: `cyrmaster -l 32 -C /etc/imapd.conf -M /etc/cyrus.conf` becomes
// `quiesce run -l 32 -C /etc/imapd.conf -M /etc/cyrus.conf`.
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_CYRUS_CONF } from '../defaults.js';
import { err, ok, type Result } from '../errors.js';
import type { CommandLineSettings } from './load.js';


/** The config options of a command, as commander parsed them. */
export interface ConfigOptions {
  readonly config?: string;
  /** -M: a cyrus.conf (a YAML file works too). */
  readonly masterConf?: string;
  /** -C: the instance's imapd.conf (SUPERVISOR.cyrus_config). */
  readonly imapdConf?: string;
  /** -l: listen backlog (SUPERVISOR.listen_backlog). */
  readonly listenQueue?: string;
  /** -p: pidfile (SUPERVISOR.pidfile). */
  readonly pidfile?: string;
  /** -r: ready file (SUPERVISOR.ready_file). */
  readonly readyFile?: string;
  /** --set key=value, repeated. */
  readonly set?: readonly string[];
}

/** The config to read, the settings the command line gives, and the options that say both (for `quiesce start`). */
export interface ConfigSource {
  readonly file: string;
  readonly commandLine: CommandLineSettings;
  readonly args: readonly string[];
}

/** The config and settings `o` asks for; a malformed `--set` is a usage error. */
export function configSource(o: ConfigOptions): Result<ConfigSource, string> {
  if (o.config !== undefined && o.masterConf !== undefined) return err('give the config once: -c FILE or -M CYRUS.CONF');
  const file = resolve(o.config ?? o.masterConf ?? DEFAULT_CYRUS_CONF);
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  const args: string[] = ['-c', file];
  const give = (key: string, value: unknown, origin: string, arg: readonly string[]): void => {
    values[key] = value;
    origins[key] = origin;
    args.push(...arg);
  };
  for (const s of o.set ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) return err(`--set ${s}: expected key=value (a SUPERVISOR key, e.g. --set quit_timeout=5s)`);
    const key = s.slice(0, eq);
    give(key, scalar(s.slice(eq + 1)), `--set ${key}`, ['--set', s]);
  }
  // master's flags win over --set, as they are what a unit written for master passes
  if (o.imapdConf !== undefined) give('cyrus_config', resolve(o.imapdConf), '-C', ['-C', resolve(o.imapdConf)]);
  if (o.listenQueue !== undefined) give('listen_backlog', /^\d+$/.test(o.listenQueue) ? Number(o.listenQueue) : o.listenQueue, '-l', ['-l', o.listenQueue]);
  if (o.pidfile !== undefined) give('pidfile', resolve(o.pidfile), '-p', ['-p', resolve(o.pidfile)]);
  if (o.readyFile !== undefined) give('ready_file', resolve(o.readyFile), '-r', ['-r', resolve(o.readyFile)]);
  return ok({ file, commandLine: { values, origins }, args });
}

/** A --set value as YAML reads a scalar: `64` a number, `true` a boolean, `5s` a string. */
function scalar(text: string): unknown {
  try {
    const v: unknown = parse(text);
    return v === null || typeof v === 'object' ? text : v;
  } catch {
    return text;
  }
}
