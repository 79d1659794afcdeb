// One DAEMON entry: kept running, restarted with a backoff when it dies, given up after too many quick failures.
//
//   idle ──start──▶ running ──exit──▶ backoff ──delay──▶ running
//                     │                  └──too many quick failures──▶ given-up
//                     └──stop (from any state)──▶ stopping ──all gone──▶ stopped
import { Child } from '../child/child.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { DaemonEntry } from '../config/types.js';
import { decideRestart } from './restart-policy.js';
import { stopPlanOf, type Unit, type UnitDeps } from './unit.js';

type DaemonState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'running'; readonly child: Child; readonly failures: number }
  | { readonly kind: 'backoff'; readonly failures: number; readonly restartAt: number; readonly cancel: AbortController }
  | { readonly kind: 'given-up'; readonly failures: number }
  | { readonly kind: 'stopping'; readonly done: Promise<readonly StopOutcome[]> }
  | { readonly kind: 'stopped' };

/** A supervised DAEMON entry. */
export class Daemon implements Unit {
  readonly section = 'DAEMON' as const;
  entry: DaemonEntry;
  #state: DaemonState = { kind: 'idle' };
  readonly #deps: UnitDeps;

  constructor(entry: DaemonEntry, deps: UnitDeps) {
    this.entry = entry;
    this.#deps = deps;
  }

  get name(): string {
    return this.entry.name;
  }

  get state(): DaemonState {
    return this.#state;
  }

  start(): void {
    if (this.#state.kind !== 'idle') return;
    this.#launch(0); // idle -> running
  }

  liveChildren(): readonly Child[] {
    return this.#state.kind === 'running' ? [this.#state.child] : [];
  }

  stop(level: StopLevel): Promise<readonly StopOutcome[]> {
    const state = this.#state;
    switch (state.kind) {
      case 'stopping':
        return state.done;
      case 'running': {
        // running -> stopping
        const done = level.stop(state.child, stopPlanOf(this.entry)).then((o) => [o]);
        this.#state = { kind: 'stopping', done };
        void done.then(() => (this.#state = { kind: 'stopped' })); // stopping -> stopped
        return done;
      }
      case 'backoff':
        state.cancel.abort();
        this.#state = { kind: 'stopped' }; // backoff -> stopped
        return Promise.resolve([]);
      case 'idle':
      case 'given-up':
      case 'stopped':
        this.#state = { kind: 'stopped' };
        return Promise.resolve([]);
      default:
        return ((x: never) => x)(state);
    }
  }

  #launch(failures: number): void {
    const child = Child.spawn(this.entry, { tag: this.#deps.nextTag(), env: { CYRUS_ISDAEMON: '1', CYRUS_SERVICE: this.entry.name, CYRUS_ID: '0' } }, this.#deps);
    this.#state = { kind: 'running', child, failures };
    void child.exited.then(() => this.#onExit(child));
  }

  #onExit(child: Child): void {
    const state = this.#state;
    if (state.kind !== 'running' || state.child !== child) return; // a stop is handling it
    const exited = child.state;
    const ranForMs = exited.kind === 'exited' ? exited.exit.at - exited.startedAt : 0;
    const decision = decideRestart(this.#deps.settings(), state.failures, ranForMs);
    switch (decision.kind) {
      case 'give-up':
        this.#state = { kind: 'given-up', failures: decision.failures }; // running -> given-up
        this.#deps.log.emit({ event: 'daemon.given-up', entry: this.name, failures: decision.failures });
        return;
      case 'restart': {
        const cancel = new AbortController();
        const restartAt = this.#deps.clock.now() + decision.delayMs;
        this.#state = { kind: 'backoff', failures: decision.failures, restartAt, cancel }; // running -> backoff
        this.#deps.log.emit({ event: 'daemon.restart-scheduled', entry: this.name, delayMs: decision.delayMs, failures: decision.failures });
        void this.#deps.clock.sleep(decision.delayMs, cancel.signal).then(() => {
          if (!cancel.signal.aborted && this.#state.kind === 'backoff') this.#launch(decision.failures); // backoff -> running
        });
        return;
      }
      default:
        return ((x: never) => x)(decision);
    }
  }
}
