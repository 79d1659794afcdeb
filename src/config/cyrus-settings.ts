// What a Cyrus instance's imapd.conf (SUPERVISOR.cyrus_config) decides for the supervisor, read
// once when the config is loaded (and again on reload): where master's pidfile and ready file go,
// who the Cyrus children run as, the proc directory, and master's Prometheus report.
import { join } from 'node:path';
import { err, ok, type Result } from '../errors.js';
import { parseDuration } from './fields.js';
import { loadImapdConf, parseSwitch, type ImapdConf } from './imapd-conf.js';

/** Master's defaults for what it reads from imapd.conf (Cyrus 3.10 to 3.13). */
export const CYRUS_DEFAULTS = {
  /** `cyrus_user` (Cyrus `CYRUS_USER`). */
  user: 'cyrus',
  /** `prometheus_master_update_freq` / `prometheus_service_update_freq` (3.12). */
  prometheusUpdateMs: 10_000,
} as const;

/** The settings of one Cyrus instance. */
export interface CyrusSettings {
  readonly imapd: ImapdConf;
  /** `master_pid_file` (3.10), default `{configdirectory}/master.pid`. */
  readonly pidFile: string;
  /** `master_ready_file` (3.10), default `{configdirectory}/master.ready`. */
  readonly readyFile: string;
  /** `cyrus_user`: the Cyrus children run as this user. */
  readonly user: string;
  /** `cyrus_group`, else the user's own group. */
  readonly group: string | undefined;
  /** `proc_path` (3.13.7 default `{configdirectory}/proc/`). */
  readonly procPath: string;
  /** `prometheus_enabled`: master writes `{prometheus_stats_dir}/master.txt`. */
  readonly prometheus: { readonly enabled: boolean; readonly statsDir: string; readonly updateMs: number };
}

/** Reads the imapd.conf at `file` and the settings it implies. */
export function readCyrusSettings(file: string): Result<CyrusSettings, string> {
  const imapd = loadImapdConf(file);
  return imapd.ok ? cyrusSettingsOf(imapd.value) : imapd;
}

/** The settings an imapd.conf implies; a value master would refuse is an error naming its line. */
export function cyrusSettingsOf(imapd: ImapdConf): Result<CyrusSettings, string> {
  const get = (key: string) => imapd.entries.get(key);
  const dir = imapd.configDirectory;
  const enabled = get('prometheus_enabled');
  const on = enabled === undefined ? false : parseSwitch(enabled.value);
  if (on === undefined) return err(`${enabled?.file ?? imapd.file}:${enabled?.line ?? 1}: \`prometheus_enabled\`: expected yes/no, got \`${enabled?.value ?? ''}\``);
  const freq = get('prometheus_master_update_freq') ?? get('prometheus_service_update_freq') ?? get('prometheus_update_freq');
  const updateMs = freq === undefined ? ok(CYRUS_DEFAULTS.prometheusUpdateMs) : parseDuration(freq.value, 's');
  if (!updateMs.ok) return err(`${freq?.file ?? imapd.file}:${freq?.line ?? 1}: ${updateMs.error}`);
  return ok({
    imapd,
    pidFile: get('master_pid_file')?.value ?? join(dir, 'master.pid'),
    readyFile: get('master_ready_file')?.value ?? join(dir, 'master.ready'),
    user: get('cyrus_user')?.value ?? CYRUS_DEFAULTS.user,
    group: get('cyrus_group')?.value,
    procPath: get('proc_path')?.value ?? join(dir, 'proc'),
    prometheus: { enabled: on, statsDir: get('prometheus_stats_dir')?.value ?? join(dir, 'stats'), updateMs: Math.max(1_000, updateMs.value) },
  });
}
