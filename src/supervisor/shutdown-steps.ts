// The stop sequence as data: one pure function lists the steps of a config's stop. ShutdownRun
// executes that list, `quiesce plan` prices the same list, and the shutdown's timeline, report,
// progress and systemd notifications name its steps.
//
//   drain ──▶ sync-drain ──▶ daemon … ──▶ command … ──▶ sweep
//   SERVICES   (replication   each DAEMON,   each SHUTDOWN     SIGKILL whatever still carries
//   and EVENTS  master only)  reverse file   entry, in file    one of our tags, and wait
//   together                  order          order
//
// A graceful stop gives each child quit_timeout before SIGTERM and term_timeout before SIGKILL; a
// fast stop starts at SIGTERM. A SHUTDOWN command over its timeout is stopped from its stop signal,
// even in a fast stop. After SIGKILL quiesce waits until the process is gone, which the kernel
// makes quick but does not bound.
import type { CommandSpec, Config, DaemonEntry, EventEntry, ServiceEntry, ShutdownEntry } from '../config/types.js';
import { unreachable } from '../errors.js';
import type { PhaseKind, StopMode } from './phase.js';

/** One step of the stop sequence; each carries the entries it works on. */
export type ShutdownStep =
  | { readonly kind: 'drain'; readonly entries: readonly (ServiceEntry | EventEntry)[] }
  | { readonly kind: 'sync-drain'; readonly timeoutMs: number }
  | { readonly kind: 'daemon'; readonly entry: DaemonEntry }
  | { readonly kind: 'command'; readonly entry: ShutdownEntry }
  | { readonly kind: 'sweep' };

export type StepKind = ShutdownStep['kind'];

/** The final sweep: up to `polls` looks, `pollMs` apart, for SIGKILLed leftovers to be gone. */
export const SWEEP = { polls: 100, pollMs: 20 } as const;

/** The phase (phase.ts) each step runs in. */
export const PHASE_OF_STEP: Readonly<Record<StepKind, Extract<PhaseKind, 'draining' | 'stopping-daemons' | 'shutdown-commands'>>> = {
  drain: 'draining',
  'sync-drain': 'draining',
  daemon: 'stopping-daemons',
  command: 'shutdown-commands',
  sweep: 'shutdown-commands',
};

/**
 * The steps of `config`'s stop (pure). `replicationMaster`: its imapd.conf has `sync_log: yes`,
 * so the stop waits up to sync_drain_timeout for sync_client after the drain.
 */
export function shutdownSteps(config: Config, replicationMaster: boolean): ShutdownStep[] {
  return [
    { kind: 'drain', entries: [...config.services, ...config.events] },
    ...(replicationMaster ? [{ kind: 'sync-drain', timeoutMs: config.supervisor.syncDrainTimeoutMs } as const] : []),
    ...[...config.daemons].reverse().map((entry) => ({ kind: 'daemon', entry }) as const),
    ...config.shutdown.map((entry) => ({ kind: 'command', entry }) as const),
    { kind: 'sweep' },
  ];
}

/** Stop signal -> SIGTERM and SIGTERM -> SIGKILL of one child, in a given mode. */
export interface Escalation {
  readonly quitMs: number;
  readonly termMs: number;
}

export function escalationOf(spec: CommandSpec, mode: StopMode): Escalation {
  return { quitMs: mode === 'graceful' ? spec.quitTimeoutMs : 0, termMs: spec.termTimeoutMs };
}

/** A step's worst case: `budgetMs` in all, and what it is made of. */
export type StepCost =
  | { readonly kind: 'drain'; readonly slowest: string | undefined; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'sync-drain'; readonly budgetMs: number }
  | { readonly kind: 'daemon'; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'command'; readonly timeoutMs: number; readonly quitMs: number; readonly termMs: number; readonly budgetMs: number }
  | { readonly kind: 'sweep'; readonly budgetMs: number };

/** The worst case of one step in `mode` (pure). */
export function costOf(step: ShutdownStep, mode: StopMode): StepCost {
  switch (step.kind) {
    case 'drain': {
      // SERVICES and EVENTS stop together: the slowest decides
      let slowest: { name: string; e: Escalation } | undefined;
      for (const spec of step.entries) {
        const e = escalationOf(spec, mode);
        if (slowest === undefined || e.quitMs + e.termMs > slowest.e.quitMs + slowest.e.termMs) slowest = { name: spec.name, e };
      }
      const quitMs = slowest?.e.quitMs ?? 0;
      const termMs = slowest?.e.termMs ?? 0;
      return { kind: 'drain', slowest: slowest?.name, quitMs, termMs, budgetMs: quitMs + termMs };
    }
    case 'sync-drain':
      return { kind: 'sync-drain', budgetMs: step.timeoutMs };
    case 'daemon': {
      const e = escalationOf(step.entry, mode);
      return { kind: 'daemon', ...e, budgetMs: e.quitMs + e.termMs };
    }
    case 'command': {
      const e = escalationOf(step.entry, 'graceful');
      return { kind: 'command', timeoutMs: step.entry.timeoutMs, ...e, budgetMs: step.entry.timeoutMs + e.quitMs + e.termMs };
    }
    case 'sweep':
      return { kind: 'sweep', budgetMs: SWEEP.polls * SWEEP.pollMs };
    default:
      return unreachable(step);
  }
}

/**
 * How the log names a step (`shutdown.step`'s `step`, `shutdown.waiting`'s `step`): one word per
 * kind; the DAEMON steps are `daemons`, as they have been logged since the first release.
 */
export const STEP_LABEL: Readonly<Record<StepKind, string>> = {
  drain: 'drain',
  'sync-drain': 'sync-drain',
  daemon: 'daemons',
  command: 'command',
  sweep: 'sweep',
};

/** The entry a step is about, if it is about one. */
export function entryOf(step: ShutdownStep): string | undefined {
  return step.kind === 'daemon' || step.kind === 'command' ? step.entry.name : undefined;
}

/** What a step does, in words (`shutdown.step`'s `detail`). */
export function stepDetail(step: ShutdownStep): string {
  switch (step.kind) {
    case 'drain':
      return `stopping services and events: ${step.entries.map((e) => e.name).join(', ') || '(none)'}`;
    case 'sync-drain':
      return `writers stopped; waiting up to ${step.timeoutMs} ms for sync_client to empty the sync logs`;
    case 'daemon':
      return `stopping DAEMON ${step.entry.name}`;
    case 'command':
      return `running SHUTDOWN ${step.entry.name}`;
    case 'sweep':
      return 'killing what is left of the processes quiesce started';
    default:
      return unreachable(step);
  }
}

/** A step's name in the shutdown report's timeline: `drain`, `daemons: stopping DAEMON syncclient`, `SHUTDOWN flush`, `sweep`. */
export function stepName(step: ShutdownStep): string {
  switch (step.kind) {
    case 'drain':
    case 'sweep':
      return step.kind;
    case 'command':
      return `SHUTDOWN ${step.entry.name}`;
    case 'sync-drain':
    case 'daemon':
      return `${STEP_LABEL[step.kind]}: ${stepDetail(step)}`;
    default:
      return unreachable(step);
  }
}
