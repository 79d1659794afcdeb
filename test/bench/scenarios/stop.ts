// Graceful stop: SIGQUIT to the supervisor -> the supervisor and every worker gone, with N idle workers.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { isGone, rssKiB } from '../proc.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { summarize, type Measured } from '../stats.js';
import { settle, within, type Kind, type Supervised } from '../supervisor.js';
import type { Row, Section } from '../table.js';

/** One stop. */
interface StopRun {
  /** Spawn -> listening with N workers exec'd. */
  readonly readyMs: number;
  /** Signal -> supervisor exited and every worker gone; undefined when it did not finish in time. */
  readonly stopMs: number | undefined;
  readonly rssKiB: number;
  readonly helpersRssKiB: number;
  readonly exit: string;
}

/** Sends SIGQUIT and waits until `sup` and every worker it had are gone; ms, or undefined after `timeoutMs`. */
export async function timeStop(sup: Supervised, timeoutMs: number): Promise<{ ms: number | undefined; exit: string }> {
  const workers = sup.workers();
  const t0 = performance.now();
  sup.signal('SIGQUIT');
  const exit = await within(sup.exited, timeoutMs);
  if (exit === undefined) return { ms: undefined, exit: 'still running' };
  let last = exit.atMs;
  // Both supervisors reap every worker before they exit; this only catches one that left anyway.
  for (let left = workers.filter((p) => !isGone(p)); left.length > 0 && performance.now() - t0 < timeoutMs; left = left.filter((p) => !isGone(p))) {
    await delay(2);
    last = performance.now();
  }
  const stillThere = workers.filter((p) => !isGone(p)).length;
  return { ms: stillThere > 0 ? undefined : last - t0, exit: `${exit.signal ?? exit.code}${stillThere > 0 ? `, ${stillThere} workers left` : ''}` };
}

/** N idle workers, for each N: time to start them, supervisor RSS with them, time to stop. */
export async function stopScenario(ctx: BenchContext, s: Settings['stop']): Promise<{ section: Section; rssAt: Map<number, Record<Kind, number>> }> {
  const rows: Row[] = [];
  const notes: string[] = [];
  const rssAt = new Map<number, Record<Kind, number>>();
  for (const n of s.workers) {
    const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, n, async (sup, readyMs): Promise<StopRun> => {
      await settle(sup, s.settleMs);
      const rss = rssKiB(sup.pid) ?? NaN;
      const helpersRssKiB = sup.helpers().reduce((sum, p) => sum + (rssKiB(p) ?? 0), 0);
      const { ms, exit } = await timeStop(sup, s.timeoutMs);
      ctx.progress(`stop ${n} workers ${kind}: ready in ${readyMs.toFixed(0)} ms, stopped in ${ms?.toFixed(0) ?? 'never'} ms (exit ${exit})`);
      return { readyMs, stopMs: ms, rssKiB: rss, helpersRssKiB, exit };
    }));
    const point = `${n} idle workers`;
    const stopCell = (runs: StopRun[]): Measured | string => runs.every((r) => r.stopMs !== undefined) ? summarize(runs.map((r) => r.stopMs as number)) : `not done in ${s.timeoutMs / 1000} s`;
    const mib = (runs: StopRun[], f: (r: StopRun) => number) => summarize(runs.map((r) => f(r) / 1024));
    rows.push(
      { point, metric: 'stop: signal -> all gone, ms', master: stopCell(results.master), quiesce: stopCell(results.quiesce) },
      { point, metric: 'start: spawn -> N workers, ms', master: summarize(results.master.map((r) => r.readyMs)), quiesce: summarize(results.quiesce.map((r) => r.readyMs)) },
      { point, metric: 'supervisor RSS, MiB', master: mib(results.master, (r) => r.rssKiB), quiesce: mib(results.quiesce, (r) => r.rssKiB) },
    );
    rssAt.set(n, { master: summarize(results.master.map((r) => r.rssKiB)).value, quiesce: summarize(results.quiesce.map((r) => r.rssKiB)).value });
    const exits = (k: Kind) => [...new Set(results[k].map((r) => r.exit))].join(', ');
    notes.push(`${point}: exit status master ${exits('master')}, quiesce ${exits('quiesce')}; quiesce's helper (accept watcher) RSS ${fmtMiB(results.quiesce.map((r) => r.helpersRssKiB))} MiB on top.`);
  }
  return {
    section: {
      title: 'Graceful stop',
      how: `prefork N, no client. Once N imapd workers run (counted in /proc as the supervisor's children that exec'd imapd) ${s.settleMs} ms more have passed and every worker sleeps (state S in /proc: done initialising), SIGQUIT goes to the supervisor (master treats it as SIGTERM: kill(0, SIGTERM)); the time runs until the supervisor has exited and every worker pid is gone. ${s.reps} run(s) per point, interleaved; median (range). The same runs give the time to start N workers and the supervisor's RSS (VmRSS) with N workers.`,
      rows,
      notes,
    },
    rssAt,
  };
}

function fmtMiB(kib: number[]): string {
  return (summarize(kib).value / 1024).toFixed(1);
}
