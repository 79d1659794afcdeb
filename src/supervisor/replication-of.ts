// Is this instance a replication master, and where are its sync logs? Read from its imapd.conf
// (SUPERVISOR.cyrus_config): configdirectory, sync_log, sync_log_channels.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import { err, ok, type Result } from '../errors.js';
import { isRollingSyncClient } from '../service/daemon.js';
import type { Unit } from '../service/unit.js';
import type { ChannelBacklog, Replication } from './sync-drain.js';

/** Cyrus' spellings of "on" (lib/libconfig.c). */
const TRUE = new Set(['1', 'yes', 'on', 'true', 't', 'y']);

/** The sync log channels of an imapd.conf, or undefined when it does not write sync logs. */
export function syncChannelsOf(imapdConf: string): Result<{ configdirectory: string; channels: string[] } | undefined, string> {
  let text: string;
  try {
    text = readFileSync(imapdConf, 'utf8');
  } catch (e) {
    return err(`cannot read ${imapdConf}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const options = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) options.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  if (!TRUE.has((options.get('sync_log') ?? 'no').toLowerCase())) return ok(undefined);
  const configdirectory = options.get('configdirectory');
  if (configdirectory === undefined) return err(`${imapdConf} has sync_log but no configdirectory`);
  const list = options.get('sync_log_channels');
  const channels = list === undefined ? [''] : list.split(/\s+/).filter(Boolean).map((c) => (c === '""' ? '' : c));
  return ok({ configdirectory, channels });
}

function countLines(file: string): number {
  const data = readFileSync(file);
  let n = 0;
  for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) n++;
  return n;
}

/** What is pending in one channel now. */
export function backlogOf(imapdConf: string, configdirectory: string, channel: string, nowMs: number): ChannelBacklog {
  const dir = channel === '' ? join(configdirectory, 'sync') : join(configdirectory, 'sync', channel);
  const files: string[] = [];
  let bytes = 0;
  let lines = 0;
  let oldest: number | undefined;
  for (const name of ['log-run', 'log']) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      files.push(path);
      bytes += st.size;
      lines += countLines(path);
      oldest = Math.min(oldest ?? Infinity, st.mtimeMs);
    } catch {
      // not there: nothing pending in it
    }
  }
  const replay = `sync_client -C ${imapdConf}${channel === '' ? '' : ` -n ${channel}`} -R -1 (once per file, until neither log-run nor log is left)`;
  return { channel, files, bytes, lines, oldestAgeMs: oldest === undefined ? undefined : Math.max(0, nowMs - oldest), replay };
}

/** The Replication of a config, or undefined when it is not a replication master. */
export function replicationOf(config: Config, clock: Clock, daemons: () => readonly Unit[]): Result<Replication | undefined, string> {
  const imapdConf = config.supervisor.cyrusConfig;
  if (imapdConf === undefined) return ok(undefined);
  const found = syncChannelsOf(imapdConf);
  if (!found.ok || found.value === undefined) return found.ok ? ok(undefined) : found;
  const { configdirectory, channels } = found.value;
  const syncClients = new Set(config.daemons.filter((d) => isRollingSyncClient(d.argv)).map((d) => d.name));
  return ok({
    read: () => channels.map((c) => backlogOf(imapdConf, configdirectory, c, clock.now())),
    drainTimeoutMs: config.supervisor.syncDrainTimeoutMs,
    replicating: () => daemons().some((d) => syncClients.has(d.name) && /running|backoff/.test(d.describe().state)),
  });
}
