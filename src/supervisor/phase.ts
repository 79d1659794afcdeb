// The supervisor's phases, the transitions allowed between them, and what each event does in each phase.
//
//   starting ──START ok──▶ running ──shutdown──▶ draining ──▶ stopping-daemons ──▶ shutdown-commands ──▶ stopped
//      │                                        (services,     (DAEMON entries,      (SHUTDOWN entries,
//      │                                         events)        reverse order)        in order)
//      └──START failed, or a shutdown signal during START──────────────────────────────────────────────▶ stopped

import type { ReloadReply } from './reload-queue.js';
import type { StepKind } from './shutdown-steps.js';
import { unreachable } from '../errors.js';

/** How the shutdown was asked for: graceful = stop signal first (SIGQUIT), fast = SIGTERM first. */
export type StopMode = 'graceful' | 'fast';

/** Where the supervisor is; each phase carries only its own data. */
export type Phase =
  | { readonly kind: 'starting'; readonly since: number; readonly entry: string | undefined }
  | { readonly kind: 'running'; readonly since: number }
  | { readonly kind: 'draining'; readonly since: number; readonly mode: StopMode }
  | { readonly kind: 'stopping-daemons'; readonly since: number; readonly mode: StopMode }
  | { readonly kind: 'shutdown-commands'; readonly since: number; readonly mode: StopMode }
  | { readonly kind: 'stopped'; readonly since: number; readonly exitCode: number };

export type PhaseKind = Phase['kind'];

/** Allowed transitions; anything else is a bug. */
export const TRANSITIONS: Record<PhaseKind, readonly PhaseKind[]> = {
  starting: ['starting', 'running', 'stopped'],
  running: ['draining'],
  draining: ['stopping-daemons'],
  'stopping-daemons': ['shutdown-commands'],
  'shutdown-commands': ['stopped'],
  stopped: [],
};

/** Every input the supervisor reacts to: OS signals and control requests become these. */
export type SupervisorEvent =
  | { readonly kind: 'shutdown'; readonly mode: StopMode; readonly trigger: string }
  | { readonly kind: 'escalate'; readonly trigger: string }
  /** `onOutcome` (a control request) hears how the reload that serves this request ended. */
  | { readonly kind: 'reload'; readonly trigger: string; readonly onOutcome?: ReloadReply }
  | { readonly kind: 'reopen-logs'; readonly trigger: string }
  /** A signal with no job (signals.ts STRAY_SIGNALS): counted, logged the first time, otherwise ignored. */
  | { readonly kind: 'stray-signal'; readonly trigger: string };

/** What the supervisor does with an event. */
export type Action =
  | 'begin-shutdown'
  | 'interrupt-start'
  | 'escalate'
  /** During the sync drain: stop waiting for sync_client, go on with the DAEMONs. */
  | 'skip-sync-drain'
  | 'abort-commands'
  | 'reload'
  | 'reopen-logs'
  | 'note-stray'
  | 'ignore';

/**
 * The phase x event table, refined by the shutdown step running (shutdown-steps.ts): every
 * triple has a written outcome. A second shutdown signal or `quiesce escalate` moves the children
 * being stopped one step up the ladder; during the sync drain, which waits for no child, it ends
 * the wait instead.
 */
export function actionFor(phase: PhaseKind, event: SupervisorEvent['kind'], step?: StepKind): Action {
  if (event === 'reopen-logs') return 'reopen-logs';
  if (event === 'stray-signal') return 'note-stray';
  if (phase === 'draining' && step === 'sync-drain' && event !== 'reload') return 'skip-sync-drain';
  switch (phase) {
    case 'starting':
      return event === 'reload' ? 'ignore' : 'interrupt-start';
    case 'running':
      return event === 'reload' ? 'reload' : event === 'shutdown' ? 'begin-shutdown' : 'ignore';
    case 'draining':
    case 'stopping-daemons':
      return event === 'reload' ? 'ignore' : 'escalate';
    case 'shutdown-commands':
      return event === 'reload' ? 'ignore' : 'abort-commands';
    case 'stopped':
      return 'ignore';
    default:
      return unreachable(phase);
  }
}
