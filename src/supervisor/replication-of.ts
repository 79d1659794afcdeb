// Is this instance a replication master, and where are its sync logs? Read from the imapd.conf
// settings the config was loaded with (SUPERVISOR.cyrus_config, read at start and at each reload,
// never later): configdirectory, sync_log, sync_log_channels. squatter's channel is left out:
// sync_client never reads it.
import { readFileSync } from 'node:fs';
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
  /** The DAEMON entries that run the rolling sync_client, and the channel each replays (`-n`; `''` the default one). */
  readonly syncClients: ReadonlyMap<string, string>;
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
    syncClients: new Map(rolling.map((d) => [d.name, channelOfSyncClient(d.argv)])),
  };
}

/** The channel a sync_client command line replays: `-n NAME` or `-nNAME` (getopt), else the default one, `''`. */
export function channelOfSyncClient(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] as string;
    if (w === '-n') return argv[i + 1] ?? '';
    if (w.startsWith('-n') && w.length > 2) return w.slice(2);
  }
  return '';
}

/** The units among `units` that run `view`'s rolling sync_clients (DAEMON entries), each with the channel it replays. */
export function* rollingSyncClients(view: ReplicationView, units: Iterable<Unit>): Generator<{ readonly unit: Unit; readonly channel: string }> {
  for (const unit of units) {
    const channel = unit.section === 'DAEMON' ? view.syncClients.get(unit.name) : undefined;
    if (channel !== undefined) yield { unit, channel };
  }
}

/** How often the sync drain may wake one sync_client (one that cannot reach its replica sleeps between connects too). */
export const SYNC_WAKE_INTERVAL_MS = 1_000;

/**
 * Whether a process sleeps in nanosleep(2) now (/proc/<pid>/wchan), as `sync_client -r` does
 * between passes; undefined when the kernel does not say.
 */
export function sleepsNow(pid: number): boolean | undefined {
  try {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    return wchan === '' || wchan === '0' ? undefined : wchan.includes('nanosleep');
  } catch {
    return undefined;
  }
}

/**
 * Asks the rolling sync_clients for their next pass now: SIGHUP. Cyrus's `sync_client -r` sleeps
 * sync_repeat_interval between passes; its SIGHUP handler (lib/signals.c, 3.6 to 3.13: restartable,
 * not reset) ends that sleep and nothing in sync_client acts on the signal, so it goes straight to
 * the log. Only one that sleeps is woken: during a pass the signal can interrupt its network I/O
 * (select(2) is never restarted), which fails the pass and, measured, can make it exit 0. `woken`
 * (pid -> when) limits each to one SIGHUP per SYNC_WAKE_INTERVAL_MS, and to one in all when the
 * kernel does not say whether it sleeps. Returns how many were woken.
 */
export function wakeSyncClients(view: ReplicationView, units: Iterable<Unit>, woken: Map<number, number>, nowMs: number, sleeps: (pid: number) => boolean | undefined = sleepsNow): number {
  let n = 0;
  for (const { unit: u } of rollingSyncClients(view, units)) {
    for (const c of u.liveChildren()) {
      const pid = c.pid;
      if (pid === undefined) continue;
      const asleep = sleeps(pid);
      const last = woken.get(pid);
      if (asleep === false || (last !== undefined && (asleep === undefined || nowMs - last < SYNC_WAKE_INTERVAL_MS))) continue;
      c.signalOnly('SIGHUP');
      woken.set(pid, nowMs);
      n++;
    }
  }
  return n;
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
  for (const { unit: u } of rollingSyncClients(view, units)) {
    if (!(u instanceof Daemon) || restarted.has(u.name)) continue;
    if (u.restartNow()) {
      restarted.add(u.name);
      n++;
    }
  }
  return n;
}

/** True while a rolling sync_client runs, or is about to be restarted, to drain the sync logs. */
export function isReplicating(view: ReplicationView, units: Iterable<Unit>): boolean {
  for (const { unit: u } of rollingSyncClients(view, units)) if (u.state.kind === 'running' || u.state.kind === 'backoff') return true;
  return false;
}
