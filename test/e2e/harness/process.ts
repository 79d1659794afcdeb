// Process helpers for tests: exits awaited as events or /proc polls with a deadline; kills by pid only.
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/** How a spawned child ended. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** The one-letter state of /proc/<pid>/stat (R, S, Z, ...), or undefined when there is no such process. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the comm field may contain spaces and parentheses: the state follows the LAST ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** True when the pid no longer runs: absent, or a zombie (Z) or dead (X) waiting to be reaped. */
export function isGone(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === 'Z' || state === 'X';
}

/** Polls /proc every `pollMs` until `pid` is gone; false when `timeoutMs` passes first. */
export async function waitForGone(pid: number, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!isGone(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(pollMs);
  }
  return true;
}

/** Resolves with the child's exit status ('exit' event), or rejects after `timeoutMs`. */
export function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pid ${child.pid} did not exit within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Sends `signal` to one pid; false when it is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

/** Sends `signal` to the process group led by `pgid` (a child spawned with detached: true). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  return signalPid(-pgid, signal);
}

/**
 * Stops children this test spawned with `detached: true`: SIGTERM to each group, then SIGKILL to
 * whatever is left after `graceMs`. Safe to call twice and on children that already exited.
 */
export async function stopChildren(children: Iterable<ChildProcess>, graceMs = 3_000): Promise<void> {
  const live = [...children].filter((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null);
  for (const c of live) signalGroup(c.pid as number, 'SIGTERM');
  await Promise.all(
    live.map(async (c) => {
      const pid = c.pid as number;
      if (!(await waitForGone(pid, graceMs))) signalGroup(pid, 'SIGKILL');
      await waitForGone(pid, graceMs);
    }),
  );
}

/** Resolves with the first line of `child`'s stdout (or `stream`) matching `pattern`; rejects on exit or timeout. */
export function lineFrom(child: ChildProcess, pattern: RegExp, timeoutMs = 10_000, stream: 'stdout' | 'stderr' = 'stdout'): Promise<string> {
  const out = child[stream];
  if (out === null) return Promise.reject(new Error(`child has no ${stream} pipe`));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const done = (f: () => void) => {
      clearTimeout(timer);
      out.off('data', onData);
      child.off('exit', onExit);
      f();
    };
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const hit = lines.find((l) => pattern.test(l));
      if (hit !== undefined) done(() => resolve(hit));
    };
    const onExit = () => done(() => reject(new Error(`pid ${child.pid} exited before printing ${pattern}`)));
    const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms`))), timeoutMs);
    out.on('data', onData);
    child.once('exit', onExit);
  });
}

/** The pids whose parent is `pid` now (/proc/<pid>/stat's ppid field), e.g. a supervisor's helpers. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, the last ')' ends it
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
