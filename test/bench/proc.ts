// What the benchmark reads from /proc: children by parent, comm and state, RSS, CPU time, LISTEN sockets.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const TICKS_PER_S = 100;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The fields of /proc/<pid>/stat after `(comm)`: [state, ppid, pgrp, ...]; undefined when gone. */
function statFields(pid: number): { comm: string; rest: string[] } | undefined {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // comm may contain spaces and parentheses: it ends at the LAST ')'
  const close = stat.lastIndexOf(')');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), rest: stat.slice(close + 2).split(' ') };
}

/**
 * Context switches (voluntary + involuntary) of every thread of `pid` so far: each time one of its
 * threads was woken up or preempted. 0 when gone.
 */
export function contextSwitches(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let n = 0;
  for (const t of tasks) {
    for (const m of (read(`/proc/${pid}/task/${t}/status`) ?? '').matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) n += Number(m[1]);
  }
  return n;
}

/** The process name (comm) of `pid`, or undefined when it is gone. */
export function commOf(pid: number): string | undefined {
  return statFields(pid)?.comm;
}

/** The one-letter state of `pid` (R, S, D, Z, ...), or undefined when it is gone. */
export function stateOf(pid: number): string | undefined {
  return statFields(pid)?.rest[0];
}

/** True when `pid` no longer runs: absent, or a zombie waiting to be reaped. */
export function isGone(pid: number): boolean {
  const state = statFields(pid)?.rest[0];
  return state === undefined || state === 'Z' || state === 'X';
}

/** Direct children of `pid` (zombies included), from /proc/<pid>/task/<tid>/children of every thread. */
export function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tasks) {
    const text = read(`/proc/${pid}/task/${tid}/children`) ?? '';
    for (const word of text.split(' ')) if (word !== '') out.push(Number(word));
  }
  return out;
}

/** `pid` and every live descendant, parents before children. */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = [pid];
  for (let guard = 0; queue.length > 0 && guard < 100_000; guard++) {
    const p = queue.shift() as number;
    for (const c of childrenOf(p)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Resident set size of `pid` in KiB (VmRSS), or undefined when gone. */
export function rssKiB(pid: number): number | undefined {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : undefined;
}

/** utime + stime of `pid` in clock ticks (children not included), or undefined when gone. */
export function cpuTicks(pid: number): number | undefined {
  const rest = statFields(pid)?.rest;
  // after `(comm)`: state is field 3 of stat(5), utime 14, stime 15 -> rest[11], rest[12]
  if (rest === undefined) return undefined;
  return Number(rest[11]) + Number(rest[12]);
}

/** True when some socket is in LISTEN on 127.0.0.1:`port` (read from /proc/net/tcp, no connection made). */
export function isListening(port: number): boolean {
  return listenInode(port) !== undefined;
}

/** The inode of the LISTEN socket on 127.0.0.1:`port`, or undefined when there is none. */
export function listenInode(port: number): string | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of (read('/proc/net/tcp') ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return f[9];
  }
  return undefined;
}

/** True when `pid` has an fd open on the socket with `inode`. */
export function holdsSocket(pid: number, inode: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  const target = `socket:[${inode}]`;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

/** Pids whose environment holds `QUIESCE_TAG=<prefix>...` (what quiesce marks its children with). */
export function taggedWith(prefix: string): number[] {
  const needle = Buffer.from(`QUIESCE_TAG=${prefix}`);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    const at = environ.indexOf(needle);
    if (at === 0 || (at > 0 && environ[at - 1] === 0)) found.push(pid);
  }
  return found;
}

/** Soft limit of one line of /proc/self/limits ("Max open files", "Max processes"); Infinity when unlimited. */
export function softLimit(name: string): number {
  const line = (read('/proc/self/limits') ?? '').split('\n').find((l) => l.startsWith(name));
  const value = line?.slice(name.length).trim().split(/\s+/)[0];
  return value === undefined || value === 'unlimited' ? Infinity : Number(value);
}

/** MemAvailable in MiB. */
export function memAvailableMiB(): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(read('/proc/meminfo') ?? '');
  return m ? Math.floor(Number(m[1]) / 1024) : 0;
}

/** Proportional set size of `pid` in KiB (its fair share of shared pages), from smaps_rollup. */
export function pssKiB(pid: number): number | undefined {
  const m = /^Pss:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/smaps_rollup`) ?? '');
  return m ? Number(m[1]) : undefined;
}
