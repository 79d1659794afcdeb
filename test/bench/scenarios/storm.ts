// Connection storm: C concurrent clients doing connect, banner, `a LOGOUT`, tagged OK, close.
import { storm, type StormResult } from '../imap-storm.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import { settle } from '../supervisor.js';
import type { Settings } from '../settings.js';
import { quantile, summarize } from '../stats.js';
import type { Row, Section } from '../table.js';

/** Runs every (prefork, C) point, master and quiesce interleaved, each on a freshly started supervisor. */
export async function stormScenario(ctx: BenchContext, s: Settings['storm']): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const maxC = Math.max(...s.concurrency);
  // Same backlog on both sides (quiesce's default) for every point; then each as shipped at the largest C.
  const points = [
    ...s.prefork.flatMap((prefork) => s.concurrency.map((c) => ({ prefork, c, point: `prefork ${prefork}, C=${c}`, masterBacklog: ctx.backlog }))),
    ...s.stockPrefork.map((prefork) => ({ prefork, c: maxC, point: `as shipped (master -l ${s.stockBacklog}), prefork ${prefork}, C=${maxC}`, masterBacklog: s.stockBacklog })),
  ];
  for (const { prefork, c, point, masterBacklog } of points) {
    const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, prefork, async (sup) => {
      await settle(sup, s.settleMs);
      const r = await storm(sup.port, c, s.connections, s.sessionTimeoutMs);
      ctx.progress(`storm ${point} ${kind}: ${(r.latenciesMs.length / r.wallMs * 1000).toFixed(0)} conn/s, ${r.failures} failed`);
      return r;
    }, undefined, kind === 'master' ? masterBacklog : ctx.backlog));
    const cps = (r: StormResult) => (r.latenciesMs.length / r.wallMs) * 1000;
    const pooled = (rs: StormResult[]) => rs.flatMap((r) => r.latenciesMs);
    rows.push(
      { point, metric: 'conn/s', master: summarize(results.master.map(cps)), quiesce: summarize(results.quiesce.map(cps)) },
      { point, metric: 'p50 ms', master: { value: quantile(pooled(results.master), 0.5) }, quiesce: { value: quantile(pooled(results.quiesce), 0.5) } },
      { point, metric: 'p99 ms', master: { value: quantile(pooled(results.master), 0.99) }, quiesce: { value: quantile(pooled(results.quiesce), 0.99) } },
    );
    for (const kind of ['master', 'quiesce'] as const) {
      const failed = results[kind].reduce((n, r) => n + r.failures, 0);
      if (failed > 0) notes.push(`${point}: ${kind} had ${failed} failed connections (first: ${results[kind].find((r) => r.firstFailure)?.firstFailure ?? '?'})`);
    }
  }
  return {
    title: 'Connection storm',
    how: `Listen backlog ${ctx.backlog} on both sides, except the "as shipped" points: Cyrus master at its stock \`-l\` default (${s.stockBacklog}) against quiesce at its default (${ctx.backlog}), which is what an administrator gets. ${s.connections} connections per point and supervisor run, ${s.reps} run(s) each, interleaved; each run on a freshly started supervisor, once its prefork workers are up, ${s.settleMs} ms have passed and every worker sleeps (done initialising). conn/s: median of the runs (range in parentheses); p50/p99: over all connections of all runs, connect() to the tagged \`a OK\` of LOGOUT.`,
    rows,
    notes,
  };
}
