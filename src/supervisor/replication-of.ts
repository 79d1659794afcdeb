// Is this instance a replication master, and where are its sync logs? Read from its imapd.conf
// (SUPERVISOR.cyrus_config) with the replication module: configdirectory, sync_log,
// sync_log_channels. squatter's channel is left out: sync_client never reads it.
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import { ok, type Result } from '../errors.js';
import { loadImapdConf } from '../config/imapd-conf.js';
import { backlogOfSync, channelsOf } from '../replication/sync-dir.js';
import { isRollingSyncClient } from '../service/daemon.js';
import type { Unit } from '../service/unit.js';
import type { Channel } from '../replication/sync-dir.js';
import type { Replication } from './sync-drain.js';

/** The Replication of a config, or undefined when it is not a replication master. */
export function replicationOf(config: Config, clock: Clock, daemons: () => readonly Unit[]): Result<(Replication & { readonly channels: readonly Channel[] }) | undefined, string> {
  const imapdConf = config.supervisor.cyrusConfig;
  if (imapdConf === undefined) return ok(undefined);
  // read with the config (start, reload); read now only when it could not be read then
  const conf = config.cyrus !== undefined ? ok(config.cyrus.imapd) : loadImapdConf(imapdConf);
  if (!conf.ok) return conf;
  if (!conf.value.syncLog) return ok(undefined);
  const channels = channelsOf(conf.value).filter((c) => c.consumer === 'sync_client');
  const syncClients = new Set(config.daemons.filter((d) => isRollingSyncClient(d.argv)).map((d) => d.name));
  return ok({
    channels,
    read: () => channels.map((c) => backlogOfSync(c, clock)),
    drainTimeoutMs: config.supervisor.syncDrainTimeoutMs,
    replicating: () => daemons().some((d) => syncClients.has(d.name) && /running|backoff/.test(d.describe().state)),
  });
}
