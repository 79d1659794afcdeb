// A ControlHost for tests: records dispatched events, publishes log events on demand, finishes when told.
import type { ControlHost } from '../../../src/control/server.js';
import type { LogEvent } from '../../../src/log.js';
import { actionFor, type PhaseKind, type SupervisorEvent } from '../../../src/supervisor/phase.js';
import type { StatusSnapshot } from '../../../src/supervisor/status.js';

export interface FakeHost extends ControlHost {
  readonly dispatched: SupervisorEvent[];
  phase: PhaseKind;
  publish(e: LogEvent): void;
  finish(exitCode: number, verdict: string): void;
  /** Resolves at the next dispatch. */
  nextDispatch(): Promise<SupervisorEvent>;
  /** Resolves when a listener unsubscribes next. */
  nextUnsubscribe(): Promise<void>;
  readonly listenerCount: () => number;
}

export function snapshot(phase: PhaseKind = 'running'): StatusSnapshot {
  return {
    pid: 4242, config: '/etc/quiesce/cyrus.yaml', version: '0.1.0', phase, phaseSinceMs: 65_000, uptimeMs: 3_725_000, generation: 1, applying: [], ignoredSignals: {},
    log: { target: 'stderr', failing: false, error: undefined, sinceMs: undefined, failedWrites: 0, fallbackLines: 0, droppedLines: 0 },
    units: [
      { name: 'imap', section: 'SERVICES', state: 'running', stateKind: 'running', pids: [101, 102, 103, 104, 105], readyCount: 3, busyCount: 2, restarts: 7, lastExit: 'exit code 0', listen: '0.0.0.0:143' },
      { name: 'syncclient', section: 'DAEMON', state: 'running', stateKind: 'running', pids: [201], readyCount: undefined, busyCount: undefined, restarts: 0, lastExit: undefined, listen: undefined },
    ],
  };
}

export function fakeHost(): FakeHost {
  const listeners = new Set<(e: LogEvent) => void>();
  let resolveFinished: (r: { exitCode: number; verdict: string }) => void = () => undefined;
  const finished = new Promise<{ exitCode: number; verdict: string }>((r) => (resolveFinished = r));
  let waiters: ((e: SupervisorEvent) => void)[] = [];
  let unsubscribeWaiters: (() => void)[] = [];
  const host: FakeHost = {
    dispatched: [],
    phase: 'running',
    finished,
    status: () => snapshot(host.phase),
    actionOf: (kind) => actionFor(host.phase, kind),
    dispatch: (e) => {
      host.dispatched.push(e);
      for (const w of waiters) w(e);
      waiters = [];
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => {
        if (!listeners.delete(l)) return;
        for (const w of unsubscribeWaiters) w();
        unsubscribeWaiters = [];
      };
    },
    publish: (e) => {
      for (const l of listeners) l(e);
    },
    finish: (exitCode, verdict) => resolveFinished({ exitCode, verdict }),
    nextDispatch: () => new Promise((r) => waiters.push(r)),
    nextUnsubscribe: () => new Promise((r) => unsubscribeWaiters.push(r)),
    listenerCount: () => listeners.size,
  };
  return host;
}
