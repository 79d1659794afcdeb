// Is this instance a replication master, and where are its sync logs? Read from the imapd.conf
// settings the config was loaded with (SUPERVISOR.cyrus_config, read at start and at each reload,
// never later): configdirectory, sync_log, sync_log_channels. squatter's channel is left out:
// sync_client never reads it.
import { basename, isAbsolute, join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import { backlogOfSync, channelsOf, type Channel, type ChannelBacklog } from '../replication/sync-dir.js';
import { Daemon, isRollingSyncClient } from '../service/daemon.js';
import type { Unit } from '../service/unit.js';

/** How the supervisor sees the instance's replication, fixed with its config. */
export interface ReplicationView {
  readonly channels: readonly Channel[];
  /** Reads every channel's backlog now. */
  readonly read: () => readonly ChannelBacklog[];
  /** How long the drain waits for the rolling sync_client (SUPERVISOR.sync_drain_timeout). */
  readonly drainTimeoutMs: number;
  /** The DAEMON entries that run the rolling sync_client. */
  readonly syncClients: ReadonlySet<string>;
}

/** The replication of `config`, or undefined when it is not a replication master (pure but for `read`). */
export function replicationOf(config: Config, clock: Clock): ReplicationView | undefined {
  const imapd = config.cyrus?.imapd;
  if (imapd === undefined || !imapd.syncLog) return undefined;
  const rolling = config.daemons.filter((d) => isRollingSyncClient(d.argv));
  // replayed by the instance's own sync_client: the rolling DAEMON's, else the one in bin_dir
  const syncClient = rolling.flatMap((d) => d.argv.filter((w) => basename(w) === 'sync_client' && isAbsolute(w)))[0] ?? join(config.supervisor.binDir, 'sync_client');
  const channels = channelsOf(imapd, syncClient).filter((c) => c.consumer === 'sync_client');
  return {
    channels,
    read: () => channels.map((c) => backlogOfSync(c, clock)),
    drainTimeoutMs: config.supervisor.syncDrainTimeoutMs,
    syncClients: new Set(rolling.map((d) => d.name)),
  };
}

/**
 * Asks every rolling sync_client for its next pass now: SIGHUP. Cyrus's `sync_client -r` sleeps
 * sync_repeat_interval between passes; its SIGHUP handler (lib/signals.c, 3.6 to 3.13: restartable,
 * not reset) ends that sleep and nothing in sync_client acts on the signal, so it goes straight to
 * the log. During a pass the signal changes nothing (its system calls restart).
 */
export function wakeSyncClients(view: ReplicationView, units: Iterable<Unit>): number {
  let woken = 0;
  for (const u of units) {
    if (!view.syncClients.has(u.name) || u.section !== 'DAEMON') continue;
    for (const c of u.liveChildren()) {
      c.signalOnly('SIGHUP');
      woken++;
    }
  }
  return woken;
}

/**
 * Restarts at once each rolling sync_client DAEMON that is waiting out its restart delay, but each
 * at most once per `restarted` set (one shutdown): a sync_client that exits during the sync drain
 * (measured: one woken by the drain's SIGHUP a second after its start exited 0) is not waited
 * for through a backoff of seconds, while one whose replica refuses it keeps its backoff after
 * that one retry. Returns how many were restarted.
 */
export function resumeSyncClients(view: ReplicationView, units: Iterable<Unit>, restarted: Set<string>): number {
  let n = 0;
  for (const u of units) {
    if (!view.syncClients.has(u.name) || !(u instanceof Daemon) || restarted.has(u.name)) continue;
    if (u.restartNow()) {
      restarted.add(u.name);
      n++;
    }
  }
  return n;
}

/** True while a rolling sync_client runs, or is about to be restarted, to drain the sync logs. */
export function isReplicating(view: ReplicationView, units: Iterable<Unit>): boolean {
  for (const u of units) if (view.syncClients.has(u.name) && u.section === 'DAEMON' && (u.state.kind === 'running' || u.state.kind === 'backoff')) return true;
  return false;
}
