// Processes left behind by a previous quiesce that died without stopping them.
//
// Every child carries QUIESCE_TAG=<supervisor pid>.<supervisor start, epoch ms>.<n> (see
// src/child/kill-tree.ts). A tagged process whose supervisor is no longer alive is a leftover. A pid
// alone could have been reused, so the supervisor counts as alive only if a process with that pid
// exists and started no later than the tag's start time (the tag is taken after the process started).
import { readFileSync } from 'node:fs';
import { procStat } from '../child/proc.js';
import { scanTags } from '../child/tag-scan.js';
import type { Clock } from '../clock.js';

/** Tolerances of the start-time comparison, and how a leftover is stopped. */
export const LEFTOVER_DEFAULTS = {
  /** SIGTERM -> SIGKILL for the leftovers of this config's previous quiesce (stopped before binding). */
  stopGraceMs: 5_000,
  /** How often they are looked for meanwhile. */
  stopPollMs: 50,
  /** /proc/stat's btime has one-second resolution, process start times 10 ms ticks. */
  startSlackMs: 1_000,
  /** USER_HZ: the unit of /proc/<pid>/stat starttime; 100 on every Linux architecture Node supports. */
  clockTicksPerSecond: 100,
} as const;

/** One leftover process. */
export interface Leftover {
  readonly pid: number;
  readonly tag: string;
  readonly supervisorPid: number;
  /** Epoch ms the dead supervisor started. */
  readonly supervisorStartedMs: number;
  /** Its command line, NULs as spaces. */
  readonly cmdline: string;
}

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
};

const bootTimeMs = (): number | undefined => {
  const m = /^btime (\d+)$/m.exec(read('/proc/stat') ?? '');
  return m === null ? undefined : Number(m[1]) * 1000;
};

/** Epoch ms `pid` started, or undefined when it is gone or a zombie. */
export function processStartMs(pid: number, bootMs: number | undefined = bootTimeMs()): number | undefined {
  const stat = procStat(pid);
  if (stat === undefined || stat.state === 'Z' || bootMs === undefined) return undefined;
  return Number.isFinite(stat.startTicks) ? bootMs + (stat.startTicks * 1000) / LEFTOVER_DEFAULTS.clockTicksPerSecond : undefined;
}

/** True when the supervisor that handed out a tag is still running. */
export function isSupervisorAlive(pid: number, startedMs: number, bootMs: number | undefined = bootTimeMs()): boolean {
  const started = processStartMs(pid, bootMs);
  return started !== undefined && started <= startedMs + LEFTOVER_DEFAULTS.startSlackMs;
}

/** `<pid>.<startMs>.<n>` -> its parts. */
export function parseTag(tag: string): { supervisorPid: number; supervisorStartedMs: number } | undefined {
  const m = /^(\d+)\.(\d+)\./.exec(tag);
  return m === null ? undefined : { supervisorPid: Number(m[1]), supervisorStartedMs: Number(m[2]) };
}

/** Every tagged process (other than this one) whose supervisor is gone. */
export function findLeftovers(): Leftover[] {
  const bootMs = bootTimeMs();
  const found: Leftover[] = [];
  for (const [tag, pids] of scanTags()) {
    const parsed = parseTag(tag);
    if (parsed === undefined || isSupervisorAlive(parsed.supervisorPid, parsed.supervisorStartedMs, bootMs)) continue;
    for (const pid of pids) if (!found.some((f) => f.pid === pid)) found.push({ pid, tag, ...parsed, cmdline: (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter((s) => s !== '').join(' ') });
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/**
 * Stops leftovers before this instance binds its sockets (they may hold them): SIGTERM, the
 * graceful stop of a Cyrus program, then SIGKILL to any still alive after `graceMs`. Resolves with
 * the pids that needed SIGKILL.
 */
export async function stopLeftovers(pids: readonly number[], clock: Clock, graceMs: number = LEFTOVER_DEFAULTS.stopGraceMs): Promise<number[]> {
  const alive = (pid: number): boolean => processStartMs(pid) !== undefined;
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = clock.now() + graceMs;
  let left = pids.filter(alive);
  while (left.length > 0 && clock.now() < deadline) {
    await clock.sleep(LEFTOVER_DEFAULTS.stopPollMs);
    left = left.filter(alive);
  }
  for (const pid of left) signal(pid, 'SIGKILL');
  return left;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}
