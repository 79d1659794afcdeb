// OS signals become supervisor events; the signal source is injected so tests emit on a plain EventEmitter.
//
// Every signal has a meaning (README "Signals"). The ones with a job are in SIGNAL_EVENTS; every
// other signal Node would let end the process is caught and ignored (STRAY_SIGNALS), so a stray
// `kill -USR2` or an ALRM from a script never takes the mail server down. Left alone on purpose:
// SIGSEGV/SIGBUS/SIGFPE/SIGILL (a real fault cannot be resumed: catching it would spin), the job
// control stops (SIGTSTP/SIGTTIN/SIGTTOU stop, not end), and the ones whose default does nothing
// (SIGCHLD, SIGCONT, SIGURG, SIGWINCH) or that Node already ignores (SIGPIPE, SIGXFSZ).
import type { EventEmitter } from 'node:events';
import type { SupervisorEvent } from './supervisor/phase.js';

/** What each signal with a job means. */
export const SIGNAL_EVENTS = {
  SIGQUIT: { kind: 'shutdown', mode: 'graceful', trigger: 'SIGQUIT' },
  SIGTERM: { kind: 'shutdown', mode: 'fast', trigger: 'SIGTERM' },
  SIGINT: { kind: 'shutdown', mode: 'fast', trigger: 'SIGINT' },
  SIGHUP: { kind: 'reload', trigger: 'SIGHUP' },
  SIGUSR1: { kind: 'reopen-logs', trigger: 'SIGUSR1' },
} as const satisfies Record<string, SupervisorEvent>;

export type HandledSignal = keyof typeof SIGNAL_EVENTS;

/**
 * Catchable signals whose default action would end quiesce and that have no job here: each is
 * ignored, logged the first time (`signal.ignored`) and counted in status. None is passed on to
 * the children: what they mean to a Cyrus program changed between versions (SIGUSR2 cancelled a
 * command until 3.12 and kills since 3.13; SIGUSR1 toggles debug logging in 3.12 and kills 3.6).
 */
export const STRAY_SIGNALS = ['SIGUSR2', 'SIGALRM', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSTKFLT', 'SIGTRAP', 'SIGABRT', 'SIGSYS', 'SIGXCPU'] as const satisfies readonly NodeJS.Signals[];

export type StraySignal = (typeof STRAY_SIGNALS)[number];

/** Signals kept while no dispatcher is attached yet (start-up); later ones are dropped. */
const MAX_QUEUED = 32;

/**
 * Routes the signals of `source` (normally `process`) to `dispatch`. Signals that arrive before a
 * dispatcher is set are queued, so the handlers can be installed first thing (without a SIGUSR1
 * handler Node starts its inspector; without a SIGHUP handler a reload during start-up would end
 * quiesce). `close()` removes the handlers.
 */
export class SignalRouter {
  readonly #source: EventEmitter;
  readonly #queue: SupervisorEvent[] = [];
  #dispatch: ((e: SupervisorEvent) => void) | undefined;
  readonly #handlers = new Map<NodeJS.Signals, () => void>();
  readonly #meaning = new Map<HandledSignal, SupervisorEvent>();

  constructor(source: EventEmitter, signals: readonly HandledSignal[] = Object.keys(SIGNAL_EVENTS) as HandledSignal[], strays: readonly StraySignal[] = []) {
    this.#source = source;
    for (const sig of signals) {
      this.#meaning.set(sig, SIGNAL_EVENTS[sig]);
      this.#on(sig, () => this.#deliver(this.#meaning.get(sig) ?? SIGNAL_EVENTS[sig]));
    }
    for (const sig of strays) this.#on(sig, () => this.#deliver({ kind: 'stray-signal', trigger: sig }));
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

  #on(sig: NodeJS.Signals, handler: () => void): void {
    this.#handlers.set(sig, handler);
    this.#source.on(sig, handler);
  }

  #deliver(e: SupervisorEvent): void {
    if (this.#dispatch !== undefined) this.#dispatch(e);
    else if (this.#queue.length < MAX_QUEUED) this.#queue.push(e); // a storm before attach() is cut short
  }
}
