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
// On demand (no idle worker), as Cyrus master forks from its select loop once a client waits: the
// next worker is staged in the fork server, which forks it when the socket becomes readable (at
// most one staged per pool; it counts toward maxchild, it is not a worker until forked, and a stop,
// reload or disable takes it back first). Without a fork server, a watcher (accept-watcher.ts)
// reports the waiting client and the worker is spawned then.
import type { ChildHandle } from '../child/child.js';
import { attachStatusChannel, type StatusMessage } from '../child/status-channel.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { ServiceEntry } from '../config/types.js';
import { allowedToFork, recordFork } from './fork-rate.js';
import type { BoundListener, ReadinessWatcher } from './listener.js';
import { isReadyFail, recordReadyFail } from './ready-fails.js';
import { familyOf, FORK_RATE_SAMPLE_MS, ladderOf, UnitBase, type MasterStats, type UnitDeps, type UnitDetails, type UnitState } from './unit.js';
import { limitsOf, workerLaunch } from './worker-launch.js';
import { unreachable } from '../errors.js';

type WorkerState = 'ready' | 'busy' | 'recycling';

/** How long a drain waits for idle workers to leave before it shuts the listener down anyway. */
export const IDLE_FIRST_MS = 100;
/** Fork times kept for master.txt's forks_per_second: a rate above this many per second reads as this. */
const RECENT_FORKS_KEPT = 1_000;

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
  #watcher: ReadinessWatcher | undefined;
  #forks: readonly number[] = [];
  #forkRetry: AbortController | undefined;
  /** The on-demand start the fork server holds until a client waits; `settled` once it is forked or gone. */
  #staged: { readonly child: ChildHandle; readonly settled: Promise<unknown>; cancelled: boolean } | undefined;
  /** Ready-fails in all (master.txt's ready_fails_total). */
  #readyFails = 0;
  /** Start times of the forks of the last second (master.txt's forks_per_second). */
  #recentForks: number[] = [];

  constructor(entry: ServiceEntry, deps: UnitDeps, listener?: BoundListener) {
    super(entry, deps);
    this.#listener = listener;
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
    this.#startWatcher(); // idle -> running
    this.#reconcile();
  }

  /** True when on-demand starts are staged in the fork server (a stream socket, a usable fork server). */
  get #staging(): boolean {
    return this.#listener !== undefined && !this.#listener.datagram && this.deps.canStage?.() === true;
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
    const now = this.deps.clock.now();
    this.#recentForks = this.#recentForks.filter((t) => now - t < FORK_RATE_SAMPLE_MS);
    return {
      family: familyOf(this.#listener?.address), readyWorkers: this.readyCount, forks: this.launches, activeChildren: this.#workers.size, // master's nactive: every live worker
      maxChildren: Number.isFinite(maxchild) ? maxchild : 2 ** 31 - 1, forksPerSecond: this.#recentForks.length, maxForksPerSecond: maxforkrate, readyFails: this.#readyFails,
    };
  }

  /**
   * Reload: every worker is told to recycle (SIGHUP: an idle one exits at once, a busy one after
   * its client leaves) and is replaced by a fresh one running `entry`. A disabled pool is enabled
   * again; a new listener (changed `listen`) replaces the old one.
   */
  async reload(entry: ServiceEntry, listener: BoundListener | undefined): Promise<void> {
    if (this.ending) return listener?.close();
    await this.#unstage(); // staged with the old entry, maybe on the old socket
    this.update(entry);
    if (listener !== this.#listener) {
      await this.#closeListener();
      this.#listener = listener;
    }
    if (this.#state.kind === 'cooling') this.#state.cancel.abort();
    if (this.#state.kind === 'disabled' || this.#state.kind === 'running' || this.#state.kind === 'cooling') {
      this.#state = { kind: 'running', failChain: [] }; // disabled|cooling|running -> running
      this.#startWatcher();
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
    await this.#unstage();
    await this.#closeListener();
    this.#listener = undefined;
    this.#recycleAll();
    await Promise.all(this.liveChildren().map((c) => c.exited));
  }

  protected async halt(level: StopLevel): Promise<readonly StopOutcome[]> {
    this.#cancelCooling(); // any -> stopping
    this.#forkRetry?.abort();
    // A start staged in the fork server is taken back before anything else (forked meanwhile, it
    // is an idle worker like the others).
    await this.#unstage();
    const ladder = ladderOf(this.entry);
    // Idle workers first: they leave at once on the stop signal. Shutting the listener down under
    // them instead would make their accept() fail (Cyrus exits 71, "accept failed"). Once they have
    // exited none can accept any more, so the listener goes then, while the /proc pass that proves
    // them gone is still to come.
    const idleWorkers = [...this.#workers].filter(([, s]) => s === 'ready').map(([w]) => w);
    const idleGone = Promise.all(idleWorkers.map((w) => level.stop(w, ladder)));
    // No worker is started any more: the on-demand watcher can go while the idle ones leave.
    const watcherClosed = this.#closeWatcher();
    const grace = new AbortController();
    await Promise.race([Promise.all(idleWorkers.map((w) => w.exited)), this.deps.clock.sleep(IDLE_FIRST_MS, grace.signal)]);
    grace.abort();
    // Then refuse new clients, so they do not wait in a backlog nobody will accept from.
    const address = this.#listener?.address;
    await Promise.all([watcherClosed, this.#closeListener()]);
    if (address !== undefined) this.deps.log.emit({ event: 'service.closed', entry: this.name, address });
    const busy = [...this.#workers].filter(([, s]) => s !== 'ready').map(([w]) => level.stop(w, ladder));
    return [...(await idleGone), ...(await Promise.all(busy))];
  }

  #cancelCooling(): void {
    if (this.#state.kind === 'cooling') this.#state.cancel.abort();
  }

  async #closeListener(): Promise<void> {
    await this.#unstage();
    await Promise.all([this.#closeWatcher(), this.#listener?.stopListening(this.deps.shutdownSocket)]);
  }

  /** Takes the staged start back (none is staged again until the caller reconciles); resolves once it is gone or, forked meanwhile, a worker. */
  async #unstage(): Promise<void> {
    const staged = this.#staged;
    if (staged === undefined) return;
    staged.cancelled = true;
    staged.child.cancelStaged?.();
    await staged.settled;
  }

  async #closeWatcher(): Promise<void> {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.close();
  }

  #startWatcher(): void {
    if (this.#listener === undefined || this.#watcher !== undefined || this.#staging) return;
    this.#watcher = this.#listener.watch(
      () => this.#onClientWaiting(),
      (why) => this.deps.log.emit({ event: 'service.watcher-lost', entry: this.name, reason: why }),
    );
    this.#watcher.start();
  }

  #canFork(): boolean {
    const { maxchild, maxforkrate } = limitsOf(this.entry);
    let live = this.#staged === undefined ? 0 : 1;
    for (const s of this.#workers.values()) if (s !== 'recycling') live++;
    if (live >= maxchild) return false;
    if (allowedToFork(this.#forks, this.deps.clock.now(), maxforkrate)) return true;
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
    this.#onDemand();
  }

  /** The watcher saw a client waiting: start a worker for it, unless an idle one will take it. */
  #onClientWaiting(): void {
    if (!this.#live || this.readyCount > 0) return;
    if (this.#canFork()) this.#spawnWorker();
  }

  /** No worker is idle: the next client starts one (Cyrus selects on the socket only then). */
  #onDemand(): void {
    if (!this.#live || this.readyCount > 0) return;
    if (this.#staging) {
      if (this.#staged === undefined && this.#canFork()) this.#stageWorker();
      return;
    }
    this.#startWatcher(); // the fork server is gone: the watcher takes over
    if (this.#watcher?.state === 'reported' && this.#canFork()) this.#watcher.rearm();
  }

  #retryForkLater(): void {
    if (this.#forkRetry !== undefined) return;
    const retry = new AbortController();
    this.#forkRetry = retry;
    const waitMs = Math.max(1, (this.#forks[0] ?? this.deps.clock.now()) + 1000 - this.deps.clock.now());
    void this.deps.clock.sleep(waitMs, retry.signal).then(() => {
      this.#forkRetry = undefined;
      if (!retry.signal.aborted) this.#reconcile();
    });
  }

  #spawnWorker(): void {
    const listener = this.#listener;
    const { spec, opts } = workerLaunch(this.entry, listener, this.deps.nextTag());
    const child = this.launch(spec, opts);
    this.#forked();
    this.#workers.set(child, 'ready');
    const status = child.channel;
    if (listener && status) attachStatusChannel(status, (m) => this.#onStatus(child, m));
    void child.exited.then(() => this.#onWorkerExit(child));
  }

  /** Stages the next worker in the fork server: it is forked once a client waits, then counted. */
  #stageWorker(): void {
    const listener = this.#listener;
    if (listener === undefined || listener.datagram) return;
    const { spec, opts } = workerLaunch(this.entry, listener, this.deps.nextTag());
    let started = (): void => undefined;
    const forked = new Promise<void>((resolve) => (started = resolve));
    // onStart runs as the exec is reported, before the status messages the worker sent since
    const onStart = (): void => {
      started();
      this.#stagedForked(child);
    };
    const child = this.deps.spawn(spec, { ...opts, whenReadable: { fd: listener.fd, onStart } });
    if (child.staged !== true) {
      // the fork server declined it (Node's spawn started it at once): a worker like any other
      this.launched(child);
      this.#forked();
      this.#workers.set(child, 'ready');
    } else {
      this.#staged = { child, settled: Promise.race([forked, child.exited]), cancelled: false };
    }
    const status = child.channel;
    if (status) attachStatusChannel(status, (m) => this.#onStatus(child, m));
    void child.exited.then(() => (this.#staged?.child === child ? this.#stagedGone(child) : this.#onWorkerExit(child)));
  }

  /** A client came and the fork server forked the staged worker: it is a ready worker now. */
  #stagedForked(child: ChildHandle): void {
    if (this.#staged?.child !== child) return;
    const cancelled = this.#staged.cancelled;
    this.#staged = undefined;
    this.launched(child);
    this.#forked();
    this.#workers.set(child, 'ready'); // staged -> ready
    if (!cancelled) this.#reconcile();
  }

  /** The staged start ended before it became a worker: cancelled, its fork server lost, or its exec failed. */
  #stagedGone(child: ChildHandle): void {
    const cancelled = this.#staged?.cancelled === true;
    this.#staged = undefined;
    const s = child.state;
    if (s.kind === 'exited' && s.exit.spawnError !== undefined) {
      // forked, but its exec failed: a worker that failed before taking a connection
      this.launched(child);
      this.#onWorkerExit(child, 'ready');
      return;
    }
    if (!cancelled) this.#reconcile(); // its fork server was lost: stage again, or watch
  }

  /** Counts a fork: maxforkrate's window and master.txt's forks_per_second. */
  #forked(): void {
    const now = this.deps.clock.now();
    this.#forks = recordFork(this.#forks, now, limitsOf(this.entry).maxforkrate);
    // the forks of the last second, oldest first (a start of 500 workers copied the list 500 times)
    this.#recentForks.push(now);
    while (this.#recentForks.length > RECENT_FORKS_KEPT || now - (this.#recentForks[0] ?? now) >= FORK_RATE_SAMPLE_MS) this.#recentForks.shift();
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
