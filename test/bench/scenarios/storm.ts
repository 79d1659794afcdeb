// Connection storm: C concurrent clients doing connect, banner, `a LOGOUT`, tagged OK, close.
import { storm, type StormResult } from '../imap-storm.js';
import { LOAD_PROCESSES, startLoad, stopLoad } from '../load.js';
import { TICKS_PER_S } from '../proc.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import { settle } from '../supervisor.js';
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
  const how = `Listen backlog ${ctx.backlog} on both sides, except the "as shipped" points: Cyrus master at its stock \`-l\` default (${s.stockBacklog}) against quiesce at its default (${ctx.backlog}), which is what an administrator gets. ${s.connections} connections per point and supervisor run, ${s.reps} run(s) each, interleaved; each run on a freshly started supervisor, once its prefork workers are up, ${s.settleMs} ms have passed and every worker sleeps (done initialising). conn/s: median of the runs (range in parentheses); p50/p99: over all connections of all runs, connect() to the tagged \`a OK\` of LOGOUT. CPU per connection: the supervisor's utime+stime over the runs (quiesce: with its fork server and accept watcher; 10 ms ticks) divided by the connections.`;
  return busy
    ? { title: 'Connection storm on a busy machine', how: `The same points (without the "as shipped" ones) while ${LOAD_PROCESSES} CPU-bound processes (\`sh -c 'while :; do :; done'\`, one per CPU, default priority) run beside the supervisor, its workers and the client. ${how}`, rows, notes }
    : { title: 'Connection storm', how, rows, notes };
}

async function stormPoint(ctx: BenchContext, s: Settings['storm'], at: { prefork: number; c: number; point: string; masterBacklog: number }, notes: string[], label: string): Promise<Row[]> {
  const { prefork, c, point, masterBacklog } = at;
  const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, prefork, async (sup): Promise<StormRun> => {
    await settle(sup, s.settleMs);
    const ticks0 = sup.cpuTicks();
    const r = await storm(sup.port, c, s.connections, s.sessionTimeoutMs);
    const cpu = sup.cpuTicks() - ticks0;
    ctx.progress(`${label}storm ${point} ${kind}: ${(r.latenciesMs.length / r.wallMs * 1000).toFixed(0)} conn/s, ${r.failures} failed`);
    return { ...r, cpuTicks: cpu };
  }, undefined, kind === 'master' ? masterBacklog : ctx.backlog));
  const cps = (r: StormResult) => (r.latenciesMs.length / r.wallMs) * 1000;
  const pooled = (rs: StormResult[]) => rs.flatMap((r) => r.latenciesMs);
  const cpuPerConnUs = (rs: StormRun[]) => ({ value: (rs.reduce((n, r) => n + r.cpuTicks, 0) * 1e6) / TICKS_PER_S / Math.max(1, rs.reduce((n, r) => n + r.latenciesMs.length, 0)) });
  for (const kind of ['master', 'quiesce'] as const) {
    const failed = results[kind].reduce((n, r) => n + r.failures, 0);
    if (failed > 0) notes.push(`${point}: ${kind} had ${failed} failed connections (first: ${results[kind].find((r) => r.firstFailure)?.firstFailure ?? '?'})`);
  }
  return [
    { point, metric: 'conn/s', master: summarize(results.master.map(cps)), quiesce: summarize(results.quiesce.map(cps)) },
    { point, metric: 'p50 ms', master: { value: quantile(pooled(results.master), 0.5) }, quiesce: { value: quantile(pooled(results.quiesce), 0.5) } },
    { point, metric: 'p99 ms', master: { value: quantile(pooled(results.master), 0.99) }, quiesce: { value: quantile(pooled(results.quiesce), 0.99) } },
    { point, metric: 'supervisor CPU per connection, µs', master: cpuPerConnUs(results.master), quiesce: cpuPerConnUs(results.quiesce) },
  ];
}
