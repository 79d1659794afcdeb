// The pool of workers of one SERVICES entry: keeps the wanted number running, replaces the lost.
//
//   idle ──start──▶ running ──N quick failures──▶ disabled (until reload)
//                     └──stop (from any state)──▶ stopping ──all gone──▶ stopped
//
// Counts are derived from the worker set, never kept by hand.
import { Child } from '../child/child.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { ServiceEntry } from '../config/types.js';
import { recordReadyFail } from './ready-fails.js';
import { stopPlanOf, type Unit, type UnitDeps } from './unit.js';

type PoolState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly failChain: readonly number[] }
  | { readonly kind: 'disabled'; readonly reason: string }
  | { readonly kind: 'stopping'; readonly done: Promise<readonly StopOutcome[]> }
  | { readonly kind: 'stopped' };

/** A SERVICES entry run as a plain pool of processes (no listening socket). */
export class ServicePool implements Unit {
  readonly section = 'SERVICES' as const;
  entry: ServiceEntry;
  #state: PoolState = { kind: 'idle' };
  readonly #workers = new Set<Child>();
  readonly #deps: UnitDeps;

  constructor(entry: ServiceEntry, deps: UnitDeps) {
    this.entry = entry;
    this.#deps = deps;
  }

  get name(): string {
    return this.entry.name;
  }

  get state(): PoolState {
    return this.#state;
  }

  /** Workers wanted alive: prefork, at least one. */
  get desired(): number {
    return Math.max(1, this.entry.prefork);
  }

  start(): void {
    if (this.#state.kind !== 'idle') return;
    this.#state = { kind: 'running', failChain: [] }; // idle -> running
    this.#reconcile();
  }

  liveChildren(): readonly Child[] {
    return [...this.#workers];
  }

  stop(level: StopLevel): Promise<readonly StopOutcome[]> {
    const state = this.#state;
    switch (state.kind) {
      case 'stopping':
        return state.done;
      case 'running':
      case 'disabled':
      case 'idle': {
        const plan = stopPlanOf(this.entry);
        const done = Promise.all([...this.#workers].map((w) => level.stop(w, plan)));
        this.#state = { kind: 'stopping', done }; // running|disabled|idle -> stopping
        void done.then(() => (this.#state = { kind: 'stopped' })); // stopping -> stopped
        return done;
      }
      case 'stopped':
        return Promise.resolve([]);
      default:
        return ((x: never) => x)(state);
    }
  }

  /** Starts workers until the wanted number run. Idempotent. */
  #reconcile(): void {
    while (this.#state.kind === 'running' && this.#workers.size < this.desired) this.#spawnWorker();
  }

  #spawnWorker(): void {
    const child = Child.spawn(this.entry, { tag: this.#deps.nextTag(), env: { CYRUS_SERVICE: this.entry.name, CYRUS_ID: '0' } }, this.#deps);
    this.#workers.add(child);
    void child.exited.then(() => this.#onWorkerExit(child));
  }

  #onWorkerExit(child: Child): void {
    this.#workers.delete(child);
    const state = this.#state;
    if (state.kind !== 'running') return;
    const exited = child.state;
    const failed = exited.kind === 'exited' && (exited.exit.signal !== null || exited.exit.spawnError !== undefined || (exited.exit.code !== 0 && exited.exit.code !== 75));
    if (failed) {
      const { chain, tripped } = recordReadyFail(state.failChain, this.#deps.clock.now(), this.#deps.settings());
      if (tripped) {
        const reason = `${chain.length} failures within ${this.#deps.settings().readyFailIntervalMs} ms of each other`;
        this.#state = { kind: 'disabled', reason }; // running -> disabled
        this.#deps.log.emit({ event: 'service.disabled', entry: this.name, reason });
        return;
      }
      this.#state = { kind: 'running', failChain: chain }; // running -> running
    }
    this.#deps.log.emit({ event: 'service.worker-lost', entry: this.name, pid: child.pid ?? -1, replacing: true });
    this.#reconcile();
  }
}
