// While running: replication resumes within about a second of the replica's return, whatever
// the outage.
//
// A rolling sync_client that cannot reach its replica waits in its own reconnect loop
// (imap/sync_client.c replica_connect: 15 s, then doubling up to sync_reconnect_maxwait, 20 min by
// default), printing "Can not connect to server '...', retrying in N seconds" to stderr before each
// sleep. quiesce sees that line, looks at the replica's address every REPLICA_PROBE.intervalMs with
// a bounded connect, and once something accepts there, ends the wait: a SIGHUP to the sync_client
// sleeping in that loop (its handler ends sleep(3), and the loop connects at once; see
// wakeSyncClients for why only one that sleeps), or a restart now of one waiting out its DAEMON
// restart delay. Nothing runs while every replica is reachable.
import type { Clock } from '../clock.js';
import { REPLICA_PROBE } from '../defaults.js';
import type { Log, LogEvent } from '../log.js';
import { answers, describeAddress, replicaAddress, type ReplicaAddress } from '../replication/replica-address.js';
import { CONNECT_FAILURE } from '../replication/sync-client-run.js';
import { Daemon } from '../service/daemon.js';
import type { Unit } from '../service/unit.js';
import { rollingSyncClients, sleepsNow, type ReplicationView } from './replication-of.js';

/** What the watch needs; tests replace the probe and /proc. */
export interface ReplicaReturnDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** The supervisor's units now. */
  readonly units: () => Iterable<Unit>;
  readonly probe?: (a: ReplicaAddress, timeoutMs: number) => Promise<boolean>;
  readonly sleeps?: (pid: number) => boolean | undefined;
}

/** A channel whose sync_client said it cannot connect. */
interface Outage {
  readonly sinceMs: number;
  readonly address: ReplicaAddress;
  /** The sync_client processes that said so. */
  readonly pids: Set<number>;
}

/** Watches the rolling sync_clients' stderr and wakes them when their replica answers again. */
export class ReplicaReturn {
  readonly #view: ReplicationView;
  readonly #deps: ReplicaReturnDeps;
  readonly #down = new Map<string, Outage>();
  /** Channels whose address cannot be worked out: said once, never probed. */
  readonly #unprobed = new Set<string>();
  readonly #stop = new AbortController();
  #unsubscribe: (() => void) | undefined;
  #probing = false;

  constructor(view: ReplicationView, deps: ReplicaReturnDeps) {
    this.#view = view;
    this.#deps = deps;
  }

  start(): void {
    this.#unsubscribe = this.#deps.log.subscribe((e) => this.#observe(e));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#stop.abort();
  }

  #observe(e: LogEvent): void {
    if (e.event !== 'child.output' || e.section !== 'DAEMON' || !CONNECT_FAILURE.test(e.line)) return;
    const channel = this.#view.syncClients.get(e.entry);
    if (channel === undefined || this.#unprobed.has(channel)) return;
    const known = this.#down.get(channel);
    if (known !== undefined) {
      known.pids.add(e.pid);
      return;
    }
    const address = replicaAddress(this.#view.channels.find((c) => c.name === channel) ?? { name: channel, syncHost: undefined, syncPort: undefined });
    this.#deps.log.emit({ event: 'replication.replica-down', channel, entry: e.entry, address: describeAddress(address), probing: address.kind !== 'unknown', line: e.line });
    if (address.kind === 'unknown') {
      this.#unprobed.add(channel);
      return;
    }
    this.#down.set(channel, { sinceMs: this.#deps.clock.now(), address, pids: new Set([e.pid]) });
    if (!this.#probing) void this.#probeUntilBack();
  }

  async #probeUntilBack(): Promise<void> {
    const { clock, log } = this.#deps;
    const probe = this.#deps.probe ?? answers;
    this.#probing = true;
    while (this.#down.size > 0 && !this.#stop.signal.aborted) {
      await clock.sleep(REPLICA_PROBE.intervalMs, this.#stop.signal);
      for (const [channel, outage] of [...this.#down]) {
        if (this.#stop.signal.aborted || !(await probe(outage.address, REPLICA_PROBE.timeoutMs))) continue;
        this.#down.delete(channel);
        const { woken, restarted } = this.#resume(channel, outage.pids);
        log.emit({ event: 'replication.replica-back', channel, address: describeAddress(outage.address), downForMs: clock.now() - outage.sinceMs, woken, restarted });
      }
    }
    this.#probing = false;
  }

  /** Ends the wait of `channel`'s sync_clients: SIGHUP to those of `pids` that sleep, a restart now to a DAEMON in its restart delay. */
  #resume(channel: string, pids: ReadonlySet<number>): { woken: number; restarted: number } {
    const sleeps = this.#deps.sleeps ?? sleepsNow;
    let woken = 0;
    let restarted = 0;
    for (const { unit: u, channel: of } of rollingSyncClients(this.#view, this.#deps.units())) {
      if (of !== channel) continue;
      for (const c of u.liveChildren()) {
        if (c.pid === undefined || !pids.has(c.pid) || sleeps(c.pid) === false) continue;
        c.signalOnly('SIGHUP');
        woken++;
      }
      if (u instanceof Daemon && u.restartNow()) restarted++;
    }
    return { woken, restarted };
  }
}
