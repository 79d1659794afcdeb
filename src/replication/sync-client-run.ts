// One bounded run of a real sync_client: spawned in its own process group, stopped (group-wide,
// SIGTERM then SIGKILL) on timeout, on cancel, or as soon as it says it cannot reach the replica.
//
// Why stop early on "Can not connect to server": sync_client's replica_connect() retries forever
// (15 s, doubling, capped at sync_reconnect_maxwait, default 20 min) and prints that line to stderr
// before each sleep. A one-shot replay that cannot connect would otherwise hang until the timeout.
//
// Why SIGKILL, not SIGTERM, in that case: Cyrus only records a signal in its handler and acts on it
// at the next signals_poll(); a SIGTERM that lands between the fprintf and the sleep(wait) does
// not interrupt the sleep, so sync_client ignores it for the whole backoff (measured: 6 of 8 runs
// exited only after the 10 s sleep). Before it connects, `-R -1` has not touched the log, so a
// SIGKILL there loses nothing.
import { spawn } from 'node:child_process';
import { groupOf, stopGroup } from '../child/terminate.js';
import type { Clock } from '../clock.js';

/** How one run ended. */
export type RunOutcome =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly durationMs: number; readonly output: string }
  | { readonly kind: 'timed-out'; readonly durationMs: number; readonly output: string }
  | { readonly kind: 'unreachable'; readonly line: string; readonly durationMs: number; readonly output: string }
  | { readonly kind: 'cancelled'; readonly durationMs: number; readonly output: string }
  | { readonly kind: 'spawn-failed'; readonly message: string };

/** Bounds of one run. */
export interface RunLimits {
  readonly timeoutMs: number;
  /** SIGTERM -> SIGKILL of the group. */
  readonly killGraceMs: number;
  /** Stop at the first "Can not connect to server" line instead of waiting in the reconnect backoff. */
  readonly stopOnConnectFailure: boolean;
}

/** Runs `argv` once; what flush calls (tests inject a fake). */
export type SyncClientRunner = (argv: readonly string[], limits: RunLimits, clock: Clock, cancel?: AbortSignal) => Promise<RunOutcome>;

/** Output kept for messages: the tail, in characters. */
const OUTPUT_TAIL_CHARS = 4_000;
/** sync_client's stderr line before each reconnect sleep (imap/sync_client.c replica_connect). */
export const CONNECT_FAILURE = /Can not connect to server[^\n]*/;

type StopReason = { kind: 'timed-out' } | { kind: 'unreachable'; line: string } | { kind: 'cancelled' };

/** Spawns sync_client detached and resolves when it has exited (never rejects). */
export const runSyncClient: SyncClientRunner = async (argv, limits, clock, cancel) => {
  const [program, ...args] = argv;
  if (program === undefined) return { kind: 'spawn-failed', message: 'empty command' };
  const started = clock.now();
  // detached: its own process group, so a timeout can stop it and anything it started
  const child = spawn(program, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stop: StopReason | undefined;
  const timers = new AbortController();
  const group = groupOf(child, `sync_client[${child.pid ?? '-'}]`);
  const halt = (reason: StopReason): void => {
    if (stop !== undefined || timers.signal.aborted) return;
    stop = reason; // the first reason is the one reported
    // up the ladder from SIGTERM (SIGKILL at once when it sleeps in its reconnect backoff), the whole group
    void stopGroup(group, { stopSignal: 'SIGTERM', quitTimeoutMs: 0, termTimeoutMs: limits.killGraceMs }, reason.kind === 'unreachable' ? 'kill' : 'term', clock);
  };
  const onOutput = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    const line = CONNECT_FAILURE.exec(output)?.[0];
    if (line !== undefined && limits.stopOnConnectFailure) halt({ kind: 'unreachable', line: line.trim() });
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const onCancel = (): void => halt({ kind: 'cancelled' });
  if (cancel?.aborted === true) onCancel();
  cancel?.addEventListener('abort', onCancel, { once: true });
  void clock.sleep(limits.timeoutMs, timers.signal).then(() => {
    if (!timers.signal.aborted) halt({ kind: 'timed-out' });
  });
  const end = await group.exited;
  timers.abort();
  cancel?.removeEventListener('abort', onCancel);
  const durationMs = clock.now() - started;
  if (end.spawnError !== undefined) return { kind: 'spawn-failed', message: `${program}: ${end.spawnError}` };
  switch (stop?.kind) {
    case undefined:
      return { kind: 'exited', code: end.code, signal: end.signal, durationMs, output };
    case 'timed-out':
    case 'cancelled':
      return { kind: stop.kind, durationMs, output };
    case 'unreachable':
      return { kind: 'unreachable', line: stop.line, durationMs, output };
  }
};

/** One line describing an outcome, for reports. */
export function describeOutcome(o: RunOutcome): string {
  switch (o.kind) {
    case 'exited':
      return o.signal === null ? `exited ${o.code ?? '?'} after ${o.durationMs} ms` : `killed by ${o.signal} after ${o.durationMs} ms`;
    case 'timed-out':
      return `timed out after ${o.durationMs} ms (process group killed)`;
    case 'unreachable':
      return `replica unreachable after ${o.durationMs} ms: "${o.line}" (stopped instead of waiting in its reconnect backoff)`;
    case 'cancelled':
      return `cancelled after ${o.durationMs} ms`;
    case 'spawn-failed':
      return `could not start: ${o.message}`;
  }
}
