// Starting a supervisor for one measurement and always cleaning it up; the master/quiesce interleave.
import { join } from 'node:path';
import type { CyrusInstance } from '../e2e/harness/instance.js';
import { freePort } from '../e2e/harness/ports.js';
import { startMaster } from './master.js';
import { startQuiesce } from './quiesce.js';
import { KINDS, waitReady, within, type Kind, type Supervised } from './supervisor.js';

/** What every scenario gets. */
export interface BenchContext {
  readonly instance: CyrusInstance;
  /** listen(2) backlog of both supervisors. */
  readonly backlog: number;
  /** How long a supervisor may take to listen and start its prefork workers. */
  readonly readyTimeoutMs: number;
  /** Prints one progress line. */
  readonly progress: (line: string) => void;
}

const live = new Set<Supervised>();
let seq = 0;

/** Registers a supervisor the bench started, so that destroyAll() ends it on every exit path. */
export function track(sup: Supervised): Supervised {
  live.add(sup);
  return sup;
}

/** Stops `sup` (SIGQUIT, at most `stopTimeoutMs`), then SIGKILLs whatever is left and forgets it. */
export async function endSupervisor(sup: Supervised, stopTimeoutMs = 20_000): Promise<void> {
  if (sup.running) {
    sup.signal('SIGQUIT');
    await within(sup.exited, stopTimeoutMs);
  }
  await sup.destroy();
  live.delete(sup);
}

/** SIGKILLs every supervisor still running (and its workers); for the bench's own exit paths. */
export async function destroyAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.destroy()));
  live.clear();
}

/**
 * Starts `kind` with one imapd service of `prefork` workers on a fresh port, waits until it listens
 * and runs them (listen backlog `backlog`, by default the context's), calls `fn`, then stops it (SIGQUIT, at most `stopTimeoutMs`) and SIGKILLs whatever
 * is left, on success and on error alike.
 */
export async function withSupervisor<T>(ctx: BenchContext, kind: Kind, prefork: number, fn: (sup: Supervised, readyMs: number) => Promise<T>, stopTimeoutMs = 20_000, backlog = ctx.backlog): Promise<T> {
  const port = await freePort();
  const dir = join(ctx.instance.dir, `run-${++seq}-${kind}`);
  const spec = { port, prefork, backlog };
  const sup = kind === 'master' ? startMaster(dir, ctx.instance.imapdConf, spec) : startQuiesce(dir, ctx.instance.imapdConf, spec);
  track(sup);
  try {
    const readyMs = await waitReady(sup, prefork, ctx.readyTimeoutMs);
    return await fn(sup, readyMs);
  } finally {
    await endSupervisor(sup, stopTimeoutMs);
  }
}

/** Runs `fn` `reps` times for each supervisor, interleaved: master, quiesce, master, quiesce, ... */
export async function interleave<T>(reps: number, fn: (kind: Kind, rep: number) => Promise<T>): Promise<Record<Kind, T[]>> {
  const out: Record<Kind, T[]> = { master: [], quiesce: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const kind of KINDS) out[kind].push(await fn(kind, rep));
  }
  return out;
}
