// Graceful stop: SIGQUIT to the supervisor -> the supervisor and every worker gone, with N idle workers.
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { isGone, rssKiB, TICKS_PER_S } from '../proc.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { summarize, type Measured } from '../stats.js';
import { settle, waitInitialised, within, type Kind, type Supervised } from '../supervisor.js';
import type { Row, Section } from '../table.js';

/** One stop. */
interface StopRun {
  /** Spawn -> listening with N workers exec'd. */
  readonly readyMs: number;
  /** Spawn -> every one of them done initialising (state S); NaN when that did not come. */
  readonly initialisedMs: number;
  /** Signal -> supervisor exited and every worker gone; undefined when it did not finish in time. */
  readonly stopMs: number | undefined;
  readonly rssKiB: number;
  readonly helpersRssKiB: number;
  /** CPU of the supervisor and its helpers from spawn to N settled workers, ms. */
  readonly startCpuMs: number;
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
  const perN = new Map<number, Record<Kind, StopRun[]>>();
  for (const n of s.workers) {
    const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, n, async (sup, readyMs): Promise<StopRun> => {
      const initialisedMs = (await waitInitialised(sup, 10_000)) ?? NaN;
      await settle(sup, s.settleMs);
      const rss = rssKiB(sup.pid) ?? NaN;
      const helpersRssKiB = sup.helpers().reduce((sum, p) => sum + (rssKiB(p) ?? 0), 0);
      const startCpuMs = (sup.cpuTicks() * 1000) / TICKS_PER_S;
      const { ms, exit } = await timeStop(sup, s.timeoutMs);
      ctx.progress(`stop ${n} workers ${kind}: ready in ${readyMs.toFixed(0)} ms, stopped in ${ms?.toFixed(0) ?? 'never'} ms (exit ${exit})`);
      return { readyMs, initialisedMs, stopMs: ms, rssKiB: rss, helpersRssKiB, startCpuMs, exit };
    }));
    const point = `${n} idle workers`;
    const stopCell = (runs: StopRun[]): Measured | string => runs.every((r) => r.stopMs !== undefined) ? summarize(runs.map((r) => r.stopMs as number)) : `not done in ${s.timeoutMs / 1000} s`;
    const mib = (runs: StopRun[], f: (r: StopRun) => number) => summarize(runs.map((r) => f(r) / 1024));
    rows.push(
      { point, metric: 'stop: signal -> all gone, ms', master: stopCell(results.master), quiesce: stopCell(results.quiesce) },
      { point, metric: 'start: spawn -> N workers, ms', master: summarize(results.master.map((r) => r.readyMs)), quiesce: summarize(results.quiesce.map((r) => r.readyMs)) },
      { point, metric: 'start: spawn -> N workers initialised, ms', master: summarize(results.master.map((r) => r.initialisedMs)), quiesce: summarize(results.quiesce.map((r) => r.initialisedMs)) },
      { point, metric: 'supervisor RSS, MiB', master: mib(results.master, (r) => r.rssKiB), quiesce: mib(results.quiesce, (r) => r.rssKiB) },
      { point, metric: 'supervisor + helpers CPU to start them, ms', master: summarize(results.master.map((r) => r.startCpuMs)), quiesce: summarize(results.quiesce.map((r) => r.startCpuMs)) },
    );
    perN.set(n, results);
    rssAt.set(n, { master: summarize(results.master.map((r) => r.rssKiB)).value, quiesce: summarize(results.quiesce.map((r) => r.rssKiB)).value });
    const exits = (k: Kind) => [...new Set(results[k].map((r) => r.exit))].join(', ');
    notes.push(`${point}: exit status master ${exits('master')}, quiesce ${exits('quiesce')}; quiesce's helpers (its fork server) RSS ${fmtMiB(results.quiesce.map((r) => r.helpersRssKiB))} MiB on top.`);
  }
  rows.push(...perWorkerRows(perN));
  return {
    section: {
      title: 'Graceful stop',
      how: `prefork N, no client. Once N imapd workers run (counted in /proc as the supervisor's children that exec'd imapd) ${s.settleMs} ms more have passed and every worker sleeps (state S in /proc: done initialising), SIGQUIT goes to the supervisor (master treats it as SIGTERM: kill(0, SIGTERM)); the time runs until the supervisor has exited and every worker pid is gone. ${s.reps} run(s) per point, interleaved; median (range). The same runs give the time to start N workers (until N have exec'd imapd, and until every one of them is done initialising: state S in one 10 ms poll), the supervisor's RSS (VmRSS) with N workers and the CPU (utime+stime in 10 ms ticks; quiesce: with its fork server) spent until then. Per worker: the difference between the largest and the smallest N, divided by the difference in N (RSS of the supervisor and its helpers).`,
      rows,
      notes,
    },
    rssAt,
  };
}

/** The cost of one more worker: between the smallest and the largest pool. */
function perWorkerRows(perN: ReadonlyMap<number, Record<Kind, StopRun[]>>): Row[] {
  const ns = [...perN.keys()].sort((a, b) => a - b);
  const lo = ns[0];
  const hi = ns[ns.length - 1];
  if (lo === undefined || hi === undefined || hi === lo) return [];
  const point = `per worker (${lo} -> ${hi})`;
  const per = (k: Kind, f: (r: StopRun) => number): Measured => {
    const at = (n: number) => summarize((perN.get(n)?.[k] ?? []).map(f)).value;
    return { value: (at(hi) - at(lo)) / (hi - lo) };
  };
  return [
    { point, metric: 'supervisor + helpers RSS per worker, KiB', master: per('master', (r) => r.rssKiB + r.helpersRssKiB), quiesce: per('quiesce', (r) => r.rssKiB + r.helpersRssKiB) },
    { point, metric: 'supervisor + helpers CPU per worker started, µs', master: per('master', (r) => r.startCpuMs * 1000), quiesce: per('quiesce', (r) => r.startCpuMs * 1000) },
  ];
}

function fmtMiB(kib: number[]): string {
  return (summarize(kib).value / 1024).toFixed(1);
}
