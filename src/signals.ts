// OS signals become supervisor events; the signal source is injected so tests emit on a plain EventEmitter.
import type { EventEmitter } from 'node:events';
import type { SupervisorEvent } from './supervisor/phase.js';

/** What each signal means (README "Signals"). */
export const SIGNAL_EVENTS = {
  SIGQUIT: { kind: 'shutdown', mode: 'graceful', trigger: 'SIGQUIT' },
  SIGTERM: { kind: 'shutdown', mode: 'fast', trigger: 'SIGTERM' },
  SIGINT: { kind: 'shutdown', mode: 'fast', trigger: 'SIGINT' },
  SIGHUP: { kind: 'reload', trigger: 'SIGHUP' },
  SIGUSR1: { kind: 'reopen-logs', trigger: 'SIGUSR1' },
} as const satisfies Record<string, SupervisorEvent>;

export type HandledSignal = keyof typeof SIGNAL_EVENTS;

/**
 * Routes the handled signals of `source` (normally `process`) to `dispatch`. Signals that arrive
 * before a dispatcher is set are queued, so the handlers can be installed first thing (without a
 * SIGUSR1 handler Node starts its inspector). Returns a function that removes the handlers.
 */
export class SignalRouter {
  readonly #source: EventEmitter;
  readonly #queue: SupervisorEvent[] = [];
  #dispatch: ((e: SupervisorEvent) => void) | undefined;
  readonly #handlers = new Map<HandledSignal, () => void>();
  readonly #meaning = new Map<HandledSignal, SupervisorEvent>();

  constructor(source: EventEmitter, signals: readonly HandledSignal[] = Object.keys(SIGNAL_EVENTS) as HandledSignal[]) {
    this.#source = source;
    for (const sig of signals) {
      this.#meaning.set(sig, SIGNAL_EVENTS[sig]);
      const handler = (): void => this.#deliver(this.#meaning.get(sig) ?? SIGNAL_EVENTS[sig]);
      this.#handlers.set(sig, handler);
      source.on(sig, handler);
    }
  }

  /** Gives a signal another meaning (SUPERVISOR.graceful_signal: SIGTERM -> graceful stop). */
  remap(sig: HandledSignal, e: SupervisorEvent): void {
    this.#meaning.set(sig, e);
  }

  /** Starts delivering (queued events first). */
  attach(dispatch: (e: SupervisorEvent) => void): void {
    this.#dispatch = dispatch;
    for (const e of this.#queue.splice(0)) dispatch(e);
  }

  /** Removes every handler. */
  close(): void {
    for (const [sig, handler] of this.#handlers) this.#source.off(sig, handler);
    this.#handlers.clear();
  }

  #deliver(e: SupervisorEvent): void {
    if (this.#dispatch === undefined) this.#queue.push(e);
    else this.#dispatch(e);
  }
}
