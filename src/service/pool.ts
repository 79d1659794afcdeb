// The workers of one SERVICES entry: prefork, on-demand start, maxchild, maxforkrate, babysit, and
// the repeated-failure rule, the way Cyrus master runs them.
//
//   idle ──start──▶ running ──N quick failures──▶ disabled ──reload──▶ running
//                     ├──N quick failures, babysit──▶ cooling ──ready_fail_interval (or reload)──▶ running
//                     ├──reload removed the entry──▶ retired (workers recycle, none replaced)
//                     └──stop (from any state)──▶ stopping ──all gone──▶ stopped   (unit.ts)
//
// Workers:  (staged) ──a client waits: forked──▶ ready ──UNAVAILABLE/CONNECTION──▶ busy ──AVAILABLE──▶ ready
//           ready|busy ──reload (SIGHUP)──▶ recycling (finishes its client, exits, is replaced)
//           any ──exit──▶ gone: replaced; "lost" (logged, counted) only when it crashed or was
//                              killed from outside, not when it left normally (exit 0 or 75)
//
// A worker counts as ready from the moment it is spawned (Cyrus sends nothing at startup). Counts
// are derived from the worker map, never kept by hand. Without `listen` the pool is a plain set of
// `max(1, prefork)` processes kept alive (no fds, no status channel).
//
// While no worker is idle, the next client starts one (on-demand.ts: staged in the fork server, or
// reported by a watcher); a stop, reload or disable takes a staged start back first.
import type { ChildHandle } from '../child/child.js';
import { attachStatusChannel, type StatusMessage } from '../child/status-channel.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { ServiceEntry } from '../config/types.js';
import { ForkLog } from './fork-rate.js';
import type { BoundListener } from './listener.js';
import { OnDemand } from './on-demand.js';
import { isReadyFail, recordReadyFail } from './ready-fails.js';
import { familyOf, ladderOf, UnitBase, type MasterStats, type UnitDeps, type UnitDetails, type UnitState } from './unit.js';
import { limitsOf, workerLaunch } from './worker-launch.js';
import { unreachable } from '../errors.js';

type WorkerState = 'ready' | 'busy' | 'recycling';

/** How long a drain waits for idle workers to leave before it shuts the listener down anyway. */
export const IDLE_FIRST_MS = 100;

/** A pool's own states (idle, stopping and stopped are UnitBase's). */
type PoolState =
  | { readonly kind: 'running'; readonly failChain: readonly number[] }
  | { readonly kind: 'disabled'; readonly reason: string }
  /** babysit (Cyrus 3.12): after the failures, no worker for ready_fail_interval, then one more chance. */
  | { readonly kind: 'cooling'; readonly until: number; readonly failChain: readonly number[]; readonly cancel: AbortController }
  | { readonly kind: 'retired' };

/** A SERVICES entry brought to life. */
export class ServicePool extends UnitBase<ServiceEntry> {
  readonly section = 'SERVICES' as const;
  #state: PoolState = { kind: 'running', failChain: [] };
  readonly #workers = new Map<ChildHandle, WorkerState>();
  #listener: BoundListener | undefined;
  readonly #forks = new ForkLog();
  #forkRetry: AbortController | undefined;
  readonly #onDemand: OnDemand;
  /** Ready-fails in all (master.txt's ready_fails_total). */
  #readyFails = 0;

  constructor(entry: ServiceEntry, deps: UnitDeps, listener?: BoundListener) {
    super(entry, deps);
    this.#listener = listener;
    this.#onDemand = new OnDemand({
      name: entry.name,
      listener: () => this.#listener,
      wantsWorker: () => this.#live && this.readyCount === 0,
      canFork: () => this.#canFork(),
      spawnWorker: () => this.#spawnWorker(),
      spawnStaged: (fd, onStart) => this.#spawnStaged(fd, onStart),
      adopt: (child) => this.#adopt(child),
      failedStart: (child) => {
        this.launched(child);
        this.#onWorkerExit(child, 'ready');
      },
      reconcile: () => this.#reconcile(),
    }, deps);
  }

  protected liveState(): UnitState {
    const s = this.#state;
    switch (s.kind) {
      case 'running':
      case 'retired':
        return { kind: s.kind };
      case 'disabled':
        return { kind: 'disabled', reason: s.reason };
      case 'cooling':
        return { kind: 'cooling', until: s.until };
      default:
        return unreachable(s);
    }
  }

  /** True while it runs normally: workers are started and replaced. */
  get #live(): boolean {
    return !this.ending && this.#state.kind === 'running';
  }

  /** The listening socket, if the entry has `listen`. */
  get listener(): BoundListener | undefined {
    return this.#listener;
  }

  #count(state: WorkerState): number {
    let n = 0;
    for (const s of this.#workers.values()) if (s === state) n++;
    return n;
  }

  /** Workers waiting for a client. */
  get readyCount(): number {
    return this.#count('ready');
  }

  /** Workers serving a client. */
  get busyCount(): number {
    return this.#count('busy');
  }

  protected begin(): void {
    this.#onDemand.start(); // idle -> running
    this.#reconcile();
  }

  liveChildren(): readonly ChildHandle[] {
    return [...this.#workers.keys()];
  }

  protected details(): UnitDetails {
    return {
      readyCount: this.#listener ? this.readyCount : undefined, busyCount: this.#listener ? this.busyCount : undefined,
      restarts: Math.max(0, this.launches - limitsOf(this.entry).prefork), listen: this.#listener?.address,
      master: this.#masterStats(),
    };
  }

  #masterStats(): MasterStats {
    const { maxchild, maxforkrate } = limitsOf(this.entry);
    return {
      family: familyOf(this.#listener?.address), readyWorkers: this.readyCount, forks: this.launches, activeChildren: this.#workers.size, // master's nactive: every live worker
      maxChildren: Number.isFinite(maxchild) ? maxchild : 2 ** 31 - 1, forksPerSecond: this.#forks.perSecond(this.deps.clock.now()), maxForksPerSecond: maxforkrate, readyFails: this.#readyFails,
    };
  }

  /**
   * Reload: every worker is told to recycle (SIGHUP: an idle one exits at once, a busy one after
   * its client leaves) and is replaced by a fresh one running `entry`. A disabled pool is enabled
   * again; a new listener (changed `listen`) replaces the old one.
   */
  async reload(entry: ServiceEntry, listener: BoundListener | undefined): Promise<void> {
    if (this.ending) return listener?.close();
    await this.#onDemand.unstage(); // staged with the old entry, maybe on the old socket
    this.update(entry);
    if (listener !== this.#listener) {
      await this.#closeListener();
      this.#listener = listener;
    }
    if (this.#state.kind === 'cooling') this.#state.cancel.abort();
    if (this.#state.kind === 'disabled' || this.#state.kind === 'running' || this.#state.kind === 'cooling') {
      this.#state = { kind: 'running', failChain: [] }; // disabled|cooling|running -> running
      this.#onDemand.start();
    }
    this.#recycleAll();
    this.#reconcile();
  }

  /**
   * Reload removed the entry: stop listening, recycle every worker (each finishes its client),
   * start none. Resolves when all are gone; a shutdown meanwhile stops them like any worker.
   */
  async retire(): Promise<void> {
    this.#cancelCooling();
    this.#state = { kind: 'retired' }; // running|disabled|cooling -> retired
    await this.#closeListener();
    this.#listener = undefined;
    this.#recycleAll();
    await Promise.all(this.liveChildren().map((c) => c.exited));
  }

  protected async halt(level: StopLevel): Promise<readonly StopOutcome[]> {
    this.#cancelCooling(); // any -> stopping
    this.#forkRetry?.abort();
    const ladder = ladderOf(this.entry);
    // Idle workers first: they leave at once on the stop signal. Shutting the listener down under
    // them instead would make their accept() fail (Cyrus exits 71, "accept failed"). Once they have
    // exited none can accept any more, so the listener goes then, while the /proc pass that proves
    // them gone is still to come.
    const idleWorkers = [...this.#workers].filter(([, s]) => s === 'ready').map(([w]) => w);
    const idleGone = Promise.all(idleWorkers.map((w) => level.stop(w, ladder)));
    // No worker is started any more: a staged start is taken back and the on-demand watcher can go
    // while the idle ones leave.
    const onDemandClosed = this.#onDemand.close();
    const grace = new AbortController();
    await Promise.race([Promise.all(idleWorkers.map((w) => w.exited)), this.deps.clock.sleep(IDLE_FIRST_MS, grace.signal)]);
    grace.abort();
    // Then refuse new clients, so they do not wait in a backlog nobody will accept from.
    const address = this.#listener?.address;
    await Promise.all([onDemandClosed, this.#closeListener()]);
    if (address !== undefined) this.deps.log.emit({ event: 'service.closed', entry: this.name, address });
    // the busy ones, and one forked just as its staged start was taken back
    const rest = [...this.#workers.keys()].filter((w) => !idleWorkers.includes(w)).map((w) => level.stop(w, ladder));
    return [...(await idleGone), ...(await Promise.all(rest))];
  }

  #cancelCooling(): void {
    if (this.#state.kind === 'cooling') this.#state.cancel.abort();
  }

  async #closeListener(): Promise<void> {
    await this.#onDemand.unstage(); // before its socket goes
    await Promise.all([this.#onDemand.close(), this.#listener?.stopListening(this.deps.shutdownSocket)]);
  }

  #canFork(): boolean {
    const { maxchild, maxforkrate } = limitsOf(this.entry);
    let live = this.#onDemand.pending ? 1 : 0; // a staged start will be a worker
    for (const s of this.#workers.values()) if (s !== 'recycling') live++;
    if (live >= maxchild) return false;
    if (this.#forks.allowed(this.deps.clock.now(), maxforkrate)) return true;
    this.#retryForkLater();
    return false;
  }

  /** Starts workers until prefork are ready (babysit: at least one alive). Idempotent. */
  #reconcile(): void {
    if (!this.#live) return;
    if (this.#listener === undefined) {
      const want = Math.max(1, this.entry.prefork);
      while (this.#workers.size < want && this.#canFork()) this.#spawnWorker();
      return;
    }
    const { prefork } = limitsOf(this.entry);
    while (this.readyCount < prefork && this.#canFork()) this.#spawnWorker();
    this.#onDemand.ensure();
  }

  #retryForkLater(): void {
    if (this.#forkRetry !== undefined) return;
    const retry = new AbortController();
    this.#forkRetry = retry;
    void this.deps.clock.sleep(this.#forks.retryInMs(this.deps.clock.now()), retry.signal).then(() => {
      this.#forkRetry = undefined;
      if (!retry.signal.aborted) this.#reconcile();
    });
  }

  #spawnWorker(): void {
    const { spec, opts } = workerLaunch(this.entry, this.#listener, this.deps.nextTag());
    const child = this.deps.spawn(spec, opts);
    this.#adopt(child);
    this.#watch(child);
  }

  /** A worker staged on `fd` (on-demand.ts): a worker of the pool once it is forked (adopt). */
  #spawnStaged(fd: number, onStart: () => void): ChildHandle {
    const { spec, opts } = workerLaunch(this.entry, this.#listener, this.deps.nextTag());
    const child = this.deps.spawn(spec, { ...opts, whenReadable: { fd, onStart } });
    this.#watch(child);
    return child;
  }

  /** A worker of the pool from now on (spawned, or a staged start forked): counted, and ready. */
  #adopt(child: ChildHandle): void {
    this.launched(child);
    this.#forks.record(this.deps.clock.now(), limitsOf(this.entry).maxforkrate);
    this.#workers.set(child, 'ready'); // (staged) -> ready
  }

  /** Its status messages and its exit (a staged start's exit is the on-demand start's). */
  #watch(child: ChildHandle): void {
    const status = child.channel;
    if (this.#listener && status) attachStatusChannel(status, (m) => this.#onStatus(child, m));
    void child.exited.then(() => (this.#onDemand.holds(child) ? this.#onDemand.gone(child) : this.#onWorkerExit(child)));
  }

  #onStatus(child: ChildHandle, m: StatusMessage): void {
    const current = this.#workers.get(child);
    if (current === undefined || current === 'recycling') return; // an echo from the past, or recycling
    switch (m.kind) {
      case 'unavailable':
      case 'connection':
        this.#workers.set(child, 'busy'); // ready -> busy
        break;
      case 'available':
        this.#workers.set(child, 'ready'); // busy -> ready
        break;
      case 'connection-multi':
      case 'unknown':
        return; // multi-threaded services stay ready; unknown values are ignored (as Cyrus does)
      default:
        return unreachable(m);
    }
    this.#reconcile();
  }

  #recycleAll(): void {
    for (const [child, state] of this.#workers) {
      if (state === 'recycling') continue;
      this.#workers.set(child, 'recycling'); // ready|busy -> recycling
      child.signalOnly('SIGHUP');
    }
  }

  #onWorkerExit(child: ChildHandle, was = this.#workers.get(child)): void {
    this.#workers.delete(child);
    const state = this.#state;
    const s = child.state;
    if (!this.#live || state.kind !== 'running' || s.kind !== 'exited') return;
    // A worker that fails before taking a connection is a ready-fail (see ready-fails.ts for what counts).
    if (was === 'ready' && isReadyFail(s.exit)) {
      this.#readyFails += 1;
      const { chain, tripped } = recordReadyFail(state.failChain, this.deps.clock.now(), this.deps.settings());
      if (tripped) {
        const why = `${chain.length} workers failed before taking a connection, each within ${this.deps.settings().readyFailIntervalMs} ms of the previous`;
        if (this.entry.babysit) this.#cool(chain, why);
        else void this.#disable(why);
        return;
      }
      this.#state = { kind: 'running', failChain: chain }; // running -> running
    }
    // lost: it crashed or was killed from outside; a worker that served its share and left is not
    if (was !== 'recycling' && !s.expected) this.deps.log.emit({ event: 'service.worker-lost', entry: this.name, pid: child.pid ?? -1, replacing: true });
    this.#reconcile();
  }

  /** babysit, as Cyrus 3.12: wait ready_fail_interval, then start one worker and allow one more failure. */
  #cool(chain: readonly number[], reason: string): void {
    const waitMs = this.deps.settings().readyFailIntervalMs;
    const cancel = new AbortController();
    this.#state = { kind: 'cooling', until: this.deps.clock.now() + waitMs, failChain: chain, cancel }; // running -> cooling
    this.deps.log.emit({ event: 'service.cooling', entry: this.name, reason, waitMs });
    void this.deps.clock.sleep(waitMs, cancel.signal).then(() => {
      const s = this.#state;
      if (cancel.signal.aborted || this.ending || s.kind !== 'cooling') return;
      // cooling -> running. As Cyrus (check_undermanned): one failure fewer, the last one now, so one
      // more failure within ready_fail_interval of this restart trips it again
      this.#state = { kind: 'running', failChain: [...s.failChain.slice(1, -1), this.deps.clock.now()] };
      this.#reconcile();
    });
  }

  async #disable(reason: string): Promise<void> {
    this.#state = { kind: 'disabled', reason }; // running -> disabled
    this.deps.log.emit({ event: 'service.disabled', entry: this.name, reason });
    // As Cyrus: the socket is closed, so clients are refused until a reload binds it again.
    const listener = this.#listener;
    await this.#closeListener();
    this.#listener = undefined;
    if (listener === undefined) return;
    listener.close(); // our copy; a reload binds a fresh socket
    this.deps.log.emit({ event: 'service.closed', entry: this.name, address: listener.address });
  }
}
