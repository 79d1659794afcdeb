// Connection storm: C concurrent clients doing connect, banner, `a LOGOUT`, tagged OK, close.
import { storm, type StormResult } from '../imap-storm.js';
import { LOAD_PROCESSES, startLoad, stopLoad } from '../load.js';
import { TICKS_PER_S } from '../proc.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import { settle, type Supervised } from '../supervisor.js';
import type { Settings } from '../settings.js';
import { quantile, summarize } from '../stats.js';
import type { Row, Section } from '../table.js';

/** One storm run, with the CPU the supervisor (and its helpers) spent on it. */
type StormRun = StormResult & { readonly cpuTicks: number };

/**
 * Runs every (prefork, C) point, master and quiesce interleaved, each on a freshly started
 * supervisor. `busy`: with a fixed CPU load beside both (load.ts), and without the "as shipped" points.
 */
export async function stormScenario(ctx: BenchContext, s: Settings['storm'], busy = false): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const maxC = Math.max(...s.concurrency);
  // Same backlog on both sides (quiesce's default) for every point; then each as shipped at the largest C.
  const points = [
    ...s.prefork.flatMap((prefork) => s.concurrency.map((c) => ({ prefork, c, point: `prefork ${prefork}, C=${c}`, masterBacklog: ctx.backlog }))),
    ...(busy ? [] : s.stockPrefork.map((prefork) => ({ prefork, c: maxC, point: `as shipped (master -l ${s.stockBacklog}), prefork ${prefork}, C=${maxC}`, masterBacklog: s.stockBacklog }))),
  ];
  if (busy) startLoad();
  try {
    for (const point of points) rows.push(...(await stormPoint(ctx, s, point, notes, busy ? 'busy ' : '')));
  } finally {
    if (busy) await stopLoad();
  }
  const how = `Listen backlog ${ctx.backlog} on both sides, except the "as shipped" points: Cyrus master at its stock \`-l\` default (${s.stockBacklog}) against quiesce at its default (${ctx.backlog}), which is what an administrator gets. ${s.connections} connections per point and supervisor run, ${s.reps} run(s) each, interleaved; each run on a freshly started supervisor, once its prefork workers are up, ${s.settleMs} ms have passed and every worker sleeps (done initialising). conn/s: median of the runs (range in parentheses); p50/p99: over all connections of all runs, connect() to the tagged \`a OK\` of LOGOUT. CPU per connection: the supervisor's utime+stime over the runs (quiesce: with its fork server; 10 ms ticks) divided by the connections.`;
  return busy
    ? { title: 'Connection storm on a busy machine', how: `The same points (without the "as shipped" ones) while ${LOAD_PROCESSES} CPU-bound processes (\`sh -c 'while :; do :; done'\`, one per CPU, default priority) run beside the supervisor, its workers and the client. ${how}`, rows, notes }
    : { title: 'Connection storm', how, rows, notes };
}

async function stormPoint(ctx: BenchContext, s: Settings['storm'], at: { prefork: number; c: number; point: string; masterBacklog: number }, notes: string[], label: string): Promise<Row[]> {
  const { prefork, c, point, masterBacklog } = at;
  const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, prefork, async (sup): Promise<StormRun> => {
    await settle(sup, s.settleMs);
    const r = await measuredStorm(sup, c, s.connections, s.sessionTimeoutMs);
    ctx.progress(`${label}storm ${point} ${kind}: ${connPerS(r).toFixed(0)} conn/s, ${r.failures} failed`);
    return r;
  }, undefined, kind === 'master' ? masterBacklog : ctx.backlog));
  failureNotes(point, results, notes);
  return stormRows(point, results);
}

/**
 * The storm on a pool that has already grown to the load: `warmup` connections first (not
 * measured), then `connections` measured. What a connection costs the supervisor once no worker
 * has to be started for it (the storm points above include the workers started during the run).
 */
export async function steadyScenario(ctx: BenchContext, s: Settings['steady']): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const prefork of s.prefork) {
    const point = `prefork ${prefork}, C=${s.concurrency}, after ${s.warmup} connections`;
    const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, prefork, async (sup): Promise<StormRun> => {
      await settle(sup, s.settleMs);
      await storm(sup.port, s.concurrency, s.warmup, s.sessionTimeoutMs);
      const r = await measuredStorm(sup, s.concurrency, s.connections, s.sessionTimeoutMs);
      ctx.progress(`steady storm ${point} ${kind}: ${connPerS(r).toFixed(0)} conn/s, ${r.failures} failed`);
      return r;
    }));
    failureNotes(point, results, notes);
    rows.push(...stormRows(point, results));
  }
  const how = `${s.warmup} connections first (not measured) on a freshly started supervisor, so that it has started the workers the load needs, then ${s.connections} measured, ${s.concurrency} client loops, ${s.reps} run(s) per point, interleaved; listen backlog ${ctx.backlog} on both. conn/s, p50/p99 and CPU per connection as in the storm above.`;
  return { title: 'Connection storm, workers already started', how, rows, notes };
}

/** One storm on `sup`, with the CPU its supervisor (and helpers) spent on it. */
async function measuredStorm(sup: Supervised, c: number, connections: number, timeoutMs: number): Promise<StormRun> {
  const ticks0 = sup.cpuTicks();
  const r = await storm(sup.port, c, connections, timeoutMs);
  return { ...r, cpuTicks: sup.cpuTicks() - ticks0 };
}

/** conn/s, p50, p99 and CPU per connection of one point, master beside quiesce. */
function stormRows(point: string, results: Record<'master' | 'quiesce', readonly StormRun[]>): Row[] {
  return [
    { point, metric: 'conn/s', master: summarize(results.master.map(connPerS)), quiesce: summarize(results.quiesce.map(connPerS)) },
    { point, metric: 'p50 ms', master: { value: quantile(pooled(results.master), 0.5) }, quiesce: { value: quantile(pooled(results.quiesce), 0.5) } },
    { point, metric: 'p99 ms', master: { value: quantile(pooled(results.master), 0.99) }, quiesce: { value: quantile(pooled(results.quiesce), 0.99) } },
    { point, metric: 'supervisor CPU per connection, µs', master: cpuPerConnUs(results.master), quiesce: cpuPerConnUs(results.quiesce) },
  ];
}

const connPerS = (r: StormResult): number => (r.latenciesMs.length / r.wallMs) * 1000;
const pooled = (rs: readonly StormResult[]): number[] => rs.flatMap((r) => r.latenciesMs);
const cpuPerConnUs = (rs: readonly StormRun[]): { value: number } => ({ value: (rs.reduce((n, r) => n + r.cpuTicks, 0) * 1e6) / TICKS_PER_S / Math.max(1, rs.reduce((n, r) => n + r.latenciesMs.length, 0)) });

function failureNotes(point: string, results: Record<'master' | 'quiesce', readonly StormRun[]>, notes: string[]): void {
  for (const kind of ['master', 'quiesce'] as const) {
    const failed = results[kind].reduce((n, r) => n + r.failures, 0);
    if (failed > 0) notes.push(`${point}: ${kind} had ${failed} failed connections (first: ${results[kind].find((r) => r.firstFailure)?.firstFailure ?? '?'})`);
  }
}
