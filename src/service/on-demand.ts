// The on-demand start of a pool: while no worker is idle, the next client gets one, as Cyrus
// master selects on a service's socket only then and forks once a client waits.
//
//   staged   (a stream socket, a usable fork server): the next worker is staged in the fork
//            server, which forks it from its own select loop once the socket is readable, with
//            no hop through quiesce. At most one per pool; it counts toward maxchild but is not a
//            worker until it is forked. unstage() takes it back (a stop, reload or disable);
//            forked meanwhile, it is a worker like the others.
//   watched  (otherwise: workers started by Node's spawn, a datagram socket): a ReadinessWatcher
//            (accept-watcher.ts, datagram.ts) reports the waiting client, the pool spawns a worker
//            then, and the watcher is rearmed once no worker is idle again.
//
// A pool whose fork server is lost goes from staged to watched at its next look.
import type { ChildHandle } from '../child/child.js';
import type { BoundListener, ReadinessWatcher } from './listener.js';
import type { UnitDeps } from './unit.js';

/** What the on-demand start needs of its pool. */
export interface OnDemandPool {
  readonly name: string;
  /** The socket clients wait on, while the pool has one. */
  listener(): BoundListener | undefined;
  /** True while the pool runs and no worker is idle. */
  wantsWorker(): boolean;
  /** True when maxchild and maxforkrate allow one more worker now (a refusal arms the pool's retry). */
  canFork(): boolean;
  /** Starts a worker at once (the watcher saw a client). */
  spawnWorker(): void;
  /** Spawns a worker staged on the socket `fd`, its status channel and exit watched as any worker's; `onStart` once it is forked. */
  spawnStaged(fd: number, onStart: () => void): ChildHandle;
  /** `child` is a worker of the pool from now on: the staged start was forked, or the fork server declined it and it runs already. */
  adopt(child: ChildHandle): void;
  /** The staged start was forked but its exec failed: a worker that failed before taking a connection. */
  failedStart(child: ChildHandle): void;
  /** Look again (the staged start was lost with its fork server). */
  reconcile(): void;
}

/** The staged start: `settled` once it is forked or gone; `cancelled` once unstage() asked for it. */
interface Staged {
  readonly child: ChildHandle;
  readonly settled: Promise<unknown>;
  cancelled: boolean;
}

/** How one pool starts a worker for a client while none is idle. */
export class OnDemand {
  readonly #pool: OnDemandPool;
  readonly #deps: Pick<UnitDeps, 'canStage' | 'log'>;
  #watcher: ReadinessWatcher | undefined;
  #staged: Staged | undefined;

  constructor(pool: OnDemandPool, deps: Pick<UnitDeps, 'canStage' | 'log'>) {
    this.#pool = pool;
    this.#deps = deps;
  }

  /** True when a start is staged (it counts toward maxchild). */
  get pending(): boolean {
    return this.#staged !== undefined;
  }

  /** True while `child` is the staged start: its exit goes to gone(). */
  holds(child: ChildHandle): boolean {
    return this.#staged?.child === child;
  }

  /** The pool started, or a reload enabled it: a watcher watches from now on, unless starts are staged. */
  start(): void {
    this.#startWatcher();
  }

  /** No worker is idle (the pool's reconcile): makes sure the next client starts one. Idempotent. */
  ensure(): void {
    if (!this.#pool.wantsWorker()) return;
    if (this.#staging) {
      if (this.#staged === undefined && this.#pool.canFork()) this.#stage();
      return;
    }
    this.#startWatcher(); // a fork server lost: the watcher takes over
    if (this.#watcher?.state === 'reported' && this.#pool.canFork()) this.#watcher.rearm();
  }

  /** Takes the staged start back (none is staged again until ensure()); resolves once it is gone or, forked meanwhile, a worker. */
  async unstage(): Promise<void> {
    const staged = this.#staged;
    if (staged === undefined) return;
    staged.cancelled = true;
    staged.child.cancelStaged?.();
    await staged.settled;
  }

  /** Takes the staged start back and closes the watcher (the listener goes, or the pool stops). */
  async close(): Promise<void> {
    await this.unstage();
    const watcher = this.#watcher;
    this.#watcher = undefined;
    await watcher?.close();
  }

  /** The staged start ended before it became a worker: taken back, lost with its fork server, or its exec failed. */
  gone(child: ChildHandle): void {
    if (!this.holds(child)) return;
    const cancelled = this.#release();
    const s = child.state;
    if (s.kind === 'exited' && s.exit.spawnError !== undefined) this.#pool.failedStart(child);
    else if (!cancelled) this.#pool.reconcile();
  }

  /** True when starts are staged in the fork server (a stream socket, a usable fork server). */
  get #staging(): boolean {
    const listener = this.#pool.listener();
    return listener !== undefined && !listener.datagram && this.#deps.canStage?.() === true;
  }

  #stage(): void {
    const listener = this.#pool.listener();
    if (listener === undefined || listener.datagram) return;
    let started = (): void => undefined;
    const forked = new Promise<void>((resolve) => (started = resolve));
    // onStart runs as the exec is reported, before the status messages the worker sent since
    const child = this.#pool.spawnStaged(listener.fd, () => {
      started();
      this.#forked(child);
    });
    if (child.staged === true) this.#staged = { child, settled: Promise.race([forked, child.exited]), cancelled: false };
    else this.#pool.adopt(child); // the fork server declined it: Node's spawn started it at once
  }

  /** A client came and the fork server forked the staged start: a worker of the pool now. */
  #forked(child: ChildHandle): void {
    if (!this.holds(child)) return;
    const cancelled = this.#release();
    this.#pool.adopt(child);
    if (!cancelled) this.#pool.reconcile();
  }

  /** Forgets the staged start (it was forked or is gone); true when unstage() had asked for it. */
  #release(): boolean {
    const cancelled = this.#staged?.cancelled === true;
    this.#staged = undefined;
    return cancelled;
  }

  #startWatcher(): void {
    const listener = this.#pool.listener();
    if (listener === undefined || this.#watcher !== undefined || this.#staging) return;
    this.#watcher = listener.watch(
      () => {
        // a client waits: a worker for it, unless an idle one will take it
        if (this.#pool.wantsWorker() && this.#pool.canFork()) this.#pool.spawnWorker();
      },
      (why) => this.#deps.log.emit({ event: 'service.watcher-lost', entry: this.#pool.name, reason: why }),
    );
    this.#watcher.start();
  }
}
