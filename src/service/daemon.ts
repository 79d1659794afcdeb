// One DAEMON entry: kept running, restarted with a backoff when it dies; after too many quick
// failures in a row, retried every ready_fail_interval forever (the Cyrus 3.12 rule) with an ERROR.
//
//   idle ──start──▶ running ──exit──▶ backoff ──delay (or a reload: at once)──▶ running
//                     └──stop (from any state)──▶ stopping ──all gone──▶ stopped   (unit.ts)
import { basename } from 'node:path';
import type { ChildHandle } from '../child/child.js';
import { describeExit } from '../child/exit.js';
import { err, ok, unreachable, type Result } from '../errors.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { DaemonEntry } from '../config/types.js';
import { decideRestart } from './restart-policy.js';
import { familyOf, ladderOf, UnitBase, type UnitDetails, type UnitState } from './unit.js';

/** A DAEMON entry that runs the rolling sync_client (`sync_client -r` or `-R`). */
export const isRollingSyncClient = (argv: readonly string[]): boolean =>
  argv.some((w) => basename(w) === 'sync_client') && (argv.includes('-r') || argv.includes('-R'));

/** What a `wait: true` daemon writes on fd 3 once it is ready (Cyrus master's waitdaemon protocol). */
export const WAIT_READY = 'ok\r\n';

/** A DAEMON's own states (idle, stopping and stopped are UnitBase's). */
type DaemonState =
  | { readonly kind: 'running'; readonly child: ChildHandle; readonly failures: number }
  | { readonly kind: 'backoff'; readonly failures: number; readonly restartAt: number; readonly cancel: AbortController; readonly retrying: boolean };

/** A supervised DAEMON entry. */
export class Daemon extends UnitBase<DaemonEntry> {
  readonly section = 'DAEMON' as const;
  #state: DaemonState | undefined;

  protected liveState(): UnitState {
    const s = this.#state;
    if (s === undefined || s.kind === 'running') return { kind: 'running' };
    return { kind: 'backoff', restartAt: s.restartAt, failures: s.failures, retryingEveryMs: s.retrying ? this.deps.settings().readyFailIntervalMs : undefined };
  }

  protected begin(): void {
    this.#launch(0); // idle -> running
  }

  /** A reload starts a daemon that is waiting after too many failures at once; any other state is left alone. */
  retry(): void {
    const s = this.#state;
    if (this.ending || s?.kind !== 'backoff' || !s.retrying) return;
    s.cancel.abort();
    this.#launch(0); // backoff -> running
  }

  liveChildren(): readonly ChildHandle[] {
    const s = this.#state;
    return s?.kind === 'running' && s.child.state.kind !== 'exited' ? [s.child] : [];
  }

  protected details(): UnitDetails {
    const running = this.state.kind === 'running';
    return {
      readyCount: undefined, busyCount: undefined, restarts: Math.max(0, this.launches - 1), listen: undefined,
      // as master counts a DAEMON: one worker, ready while it runs, never active
      master: { family: familyOf(undefined), readyWorkers: running ? 1 : 0, forks: this.launches, activeChildren: running ? 1 : 0, maxChildren: 1, forksPerSecond: 0, maxForksPerSecond: 10, readyFails: 0 },
    };
  }

  protected halt(level: StopLevel): Promise<readonly StopOutcome[]> {
    const s = this.#state;
    switch (s?.kind) {
      case 'running':
        return level.stop(s.child, ladderOf(this.entry)).then((o) => [o]); // running -> stopping
      case 'backoff':
        s.cancel.abort(); // backoff -> stopping (nothing to stop)
        return Promise.resolve([]);
      case undefined:
        return Promise.resolve([]);
      default:
        return unreachable(s);
    }
  }

  /**
   * `wait: true`: starts the daemon with a pipe on fd 3 and resolves once it wrote `ok\r\n` there
   * (Cyrus "waitdaemon"), or with an error after wait_timeout, on EOF, or on anything else.
   */
  startAndWait(): Promise<Result<void, string>> {
    if (!this.claimStart()) return Promise.resolve(ok(undefined));
    const child = this.#launch(0, ['pipe']);
    const channel = child.channel;
    return new Promise((resolve) => {
      const cancel = new AbortController();
      let got = '';
      const finish = (r: Result<void, string>): void => {
        cancel.abort();
        channel?.removeAllListeners('data');
        channel?.destroy();
        resolve(r);
      };
      channel?.on('data', (chunk: Buffer) => {
        got += chunk.toString('latin1');
        if (got === WAIT_READY) finish(ok(undefined));
        else if (!WAIT_READY.startsWith(got)) finish(err(`wrote ${JSON.stringify(got)} on fd 3 instead of "ok\\r\\n"`));
      });
      void child.exited.then((e) => finish(err(`exited (${describeExit(e)}) before writing "ok\\r\\n" on fd 3`)));
      void this.deps.clock.sleep(this.entry.waitTimeoutMs, cancel.signal).then(() => {
        if (!cancel.signal.aborted) finish(err(`did not write "ok\\r\\n" on fd 3 within ${this.entry.waitTimeoutMs} ms`));
      });
    });
  }

  #launch(failures: number, extraFds?: readonly 'pipe'[]): ChildHandle {
    const child = this.launch(this.entry, { tag: this.deps.nextTag(), env: { CYRUS_ISDAEMON: '1', CYRUS_SERVICE: this.entry.name, CYRUS_ID: '0' }, extraFds });
    this.#state = { kind: 'running', child, failures };
    void child.exited.then(() => this.#onExit(child));
    return child;
  }

  #onExit(child: ChildHandle): void {
    const state = this.#state;
    if (this.ending || state?.kind !== 'running' || state.child !== child) return; // a stop is handling it
    const exited = child.state;
    const ranForMs = exited.kind === 'exited' ? exited.exit.at - exited.startedAt : 0;
    // A rolling sync_client is never given up: it exits when the replica goes away, and must
    // resume by itself once it is back (its restarts still back off).
    const settings = this.deps.settings();
    const policy = isRollingSyncClient(this.entry.argv) ? { ...settings, restartGiveUpCount: 0 } : settings;
    const decision = decideRestart(policy, state.failures, ranForMs);
    switch (decision.kind) {
      case 'give-up':
        // Cyrus 3.12: a DAEMON that keeps failing is retried every ready_fail_interval forever
        if (decision.failures === policy.restartGiveUpCount) this.deps.log.emit({ event: 'daemon.retrying', entry: this.name, failures: decision.failures, everyMs: settings.readyFailIntervalMs });
        this.#backoff(decision.failures, settings.readyFailIntervalMs, true); // running -> backoff
        return;
      case 'restart':
        this.#backoff(decision.failures, decision.delayMs, false); // running -> backoff
        return;
      default:
        return unreachable(decision);
    }
  }

  /**
   * Ends a restart delay now: starts the daemon at once if it is waiting out one (a shutdown's sync
   * drain, which waits for the rolling sync_client). False when it was not waiting.
   */
  restartNow(): boolean {
    const state = this.#state;
    if (this.ending || state?.kind !== 'backoff') return false;
    state.cancel.abort();
    this.#launch(state.failures); // backoff -> running
    return true;
  }

  #backoff(failures: number, delayMs: number, retrying: boolean): void {
    const cancel = new AbortController();
    this.#state = { kind: 'backoff', failures, restartAt: this.deps.clock.now() + delayMs, cancel, retrying };
    this.deps.log.emit({ event: 'daemon.restart-scheduled', entry: this.name, delayMs, failures });
    void this.deps.clock.sleep(delayMs, cancel.signal).then(() => {
      if (!cancel.signal.aborted && !this.ending && this.#state?.kind === 'backoff') this.#launch(failures); // backoff -> running
    });
  }
}
