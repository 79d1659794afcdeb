// One supervisor under test (Cyrus master or quiesce), seen the same way for both: through /proc.
//
// Both are spawned with `detached: true` (their own session and process group: master's SIGTERM
// goes to kill(0) = its whole group). Workers are counted as the children whose comm is `imapd` of
// the supervisor or of its fork server (master forks and execs imapd; so does quiesce's fork
// server, after setting the user and the parent-death signal itself), so a worker counts from its exec on, for both. Nothing here connects to the port to learn a state.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { childrenOf, commOf, cpuTicks, descendantsOf, holdsSocket, isGone, isListening, listenInode, stateOf, taggedWith } from './proc.js';

/** The comm of quiesce's fork server (child/fork-server-script.ts sets $0; comm is cut at 15 characters). */
const FORK_SERVER_COMM = 'quiesce-fork-se';

/** Which supervisor. */
export type Kind = 'master' | 'quiesce';

/** The order of every interleaved point: master first, then quiesce. */
export const KINDS: readonly Kind[] = ['master', 'quiesce'];

/** The SERVICES entry both run: one imapd service on 127.0.0.1. */
export interface ServiceSpec {
  readonly port: number;
  readonly prefork: number;
  /** listen(2) backlog: master `-l`, quiesce `listen_backlog`. */
  readonly backlog: number;
}

/** How a supervisor process ended, with the performance.now() of the 'exit' event. */
export interface ExitRecord {
  readonly atMs: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running supervisor and what the benchmark can see of it. */
export class Supervised {
  readonly kind: Kind;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** Started at (performance.now()). */
  readonly spawnedAtMs: number;
  readonly exited: Promise<ExitRecord>;
  /** A file with its own diagnostics (master's -L file, quiesce's JSON log). */
  readonly logFile: string;
  #exit: ExitRecord | undefined;
  readonly #imapd = new Set<number>();
  readonly #excluded = new Set<number>();
  #stderr = '';

  constructor(kind: Kind, argv: readonly string[], port: number, logFile: string, env: Readonly<Record<string, string>> = {}) {
    this.kind = kind;
    this.port = port;
    this.logFile = logFile;
    this.spawnedAtMs = performance.now();
    const [file, ...args] = argv;
    this.proc = spawn(file ?? '/nonexistent', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    if (this.proc.pid === undefined) throw new Error(`cannot start ${kind}: ${argv.join(' ')}`);
    this.pid = this.proc.pid;
    this.proc.stderr?.setEncoding('utf8').on('data', (s: string) => (this.#stderr = (this.#stderr + s).slice(-4000)));
    this.exited = new Promise((resolve) => {
      this.proc.once('exit', (code, signal) => {
        this.#exit = { atMs: performance.now(), code, signal };
        resolve(this.#exit);
      });
    });
  }

  /** True until its 'exit' event. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The processes whose children are workers: the supervisor, and quiesce's fork servers. */
  #parents(): number[] {
    const direct = childrenOf(this.pid);
    return [this.pid, ...direct.filter((p) => !this.#imapd.has(p) && commOf(p) === FORK_SERVER_COMM)];
  }

  /** Live imapd workers (children of the supervisor or its fork server that exec'd imapd), minus those marked dead with forget(). */
  workers(): number[] {
    const out: number[] = [];
    for (const pid of this.#parents().flatMap((p) => childrenOf(p))) {
      if (this.#excluded.has(pid)) continue;
      if (!this.#imapd.has(pid)) {
        if (commOf(pid) !== 'imapd') continue; // not exec'd yet, or a helper
        this.#imapd.add(pid);
      }
      out.push(pid);
    }
    return out;
  }

  /** Direct children that are not imapd (quiesce's fork server, and an accept watcher where one runs; master has none). */
  helpers(): number[] {
    return childrenOf(this.pid).filter((p) => !this.#imapd.has(p) && !this.#excluded.has(p) && !isGone(p) && commOf(p) !== 'imapd');
  }

  /** CPU time (utime + stime, clock ticks) of the supervisor and its helper processes (quiesce's fork server, and an accept watcher where one runs), not of its workers. */
  cpuTicks(): number {
    return [this.pid, ...this.helpers()].reduce((n, p) => n + (cpuTicks(p) ?? 0), 0);
  }

  /** Do not count these pids any more (the benchmark killed them; they may still be zombies). */
  forget(pids: Iterable<number>): void {
    for (const p of pids) this.#excluded.add(p);
  }

  /** Sends a signal to the supervisor process itself. */
  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** Its socket is in LISTEN (a disabled service has none). */
  listening(): boolean {
    return isListening(this.port);
  }

  /** The inode of its listening socket, noted by waitReady(). */
  socketInode: string | undefined;

  /**
   * The service was disabled (Cyrus' ready-fail rule, in both): the socket left LISTEN (quiesce
   * shuts it down), or the supervisor closed its own fd on it (master closes its copy; workers it
   * had started may still hold theirs, so LISTEN alone does not tell).
   */
  serviceDisabled(): boolean {
    if (!this.listening()) return true;
    return this.socketInode !== undefined && !holdsSocket(this.pid, this.socketInode);
  }

  /** The last lines of its stderr and log file, for error messages. */
  diagnostics(): string {
    const log = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
    return `${this.kind} pid ${this.pid}${this.#exit ? ` exited ${this.#exit.signal ?? this.#exit.code}` : ''}\n${this.#stderr}${log}`;
  }

  /** SIGKILLs the supervisor's group, every descendant and (quiesce) every process with its tag; waits until all are gone. */
  async destroy(timeoutMs = 10_000): Promise<void> {
    const victims = new Set([...descendantsOf(this.pid), ...(this.kind === 'quiesce' ? taggedWith(`${this.pid}.`) : [])]);
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      /* the group is empty */
    }
    for (const pid of victims) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    const deadline = performance.now() + timeoutMs;
    await within(this.exited, timeoutMs);
    for (const pid of victims) while (!isGone(pid) && performance.now() < deadline) await delay(10);
  }
}

/** Resolves with `promise`'s value, or undefined once `timeoutMs` passed first (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, timeoutMs))))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` every `pollMs` until it holds; false when `timeoutMs` passes first. */
export async function waitFor(cond: () => boolean, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (performance.now() >= deadline) return false;
    await delay(pollMs);
  }
}

/** Waits until `sup` listens and runs `prefork` workers; returns the time it took from spawn (ms). */
export async function waitReady(sup: Supervised, prefork: number, timeoutMs: number): Promise<number> {
  const ok = await waitFor(() => !sup.running || (sup.listening() && sup.workers().length >= prefork), timeoutMs, 10);
  if (!ok || !sup.running) {
    throw new Error(`${sup.kind} did not get ready (listening ${sup.listening()}, ${sup.workers().length}/${prefork} workers) within ${timeoutMs} ms\n${sup.diagnostics()}`);
  }
  sup.socketInode = listenInode(sup.port);
  return performance.now() - sup.spawnedAtMs;
}

/** Every worker sleeps (state S: blocked on Cyrus' accept lock or in accept(), done initialising). */
const allAsleep = (sup: Supervised): boolean => sup.workers().every((p) => stateOf(p) === 'S');

/**
 * After the pool is up: until every worker sleeps in one poll; the time from spawn (ms), or
 * undefined after `timeoutMs`.
 */
export async function waitInitialised(sup: Supervised, timeoutMs: number): Promise<number | undefined> {
  const ok = await waitFor(() => allAsleep(sup), timeoutMs, 10);
  return ok ? performance.now() - sup.spawnedAtMs : undefined;
}

/**
 * After the pool is up: `minMs`, then until every worker sleeps in two polls in a row, at most
 * `capMs`. A worker that has exec'd imapd may still be opening its databases; a measurement must
 * not start before that.
 */
export async function settle(sup: Supervised, minMs: number, capMs = 10_000): Promise<void> {
  await delay(minMs);
  let quietPolls = 0;
  await waitFor(() => {
    quietPolls = allAsleep(sup) ? quietPolls + 1 : 0;
    return quietPolls >= 2;
  }, capMs, 50);
}
