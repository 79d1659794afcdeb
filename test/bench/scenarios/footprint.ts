// Footprint: the supervisor's RSS and CPU time while it idles with N workers.
import { setTimeout as delay } from 'node:timers/promises';
import { contextSwitches, cpuTicks, rssKiB, TICKS_PER_S } from '../proc.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { fmt, type Cell, type Row, type Section } from '../table.js';
import { settle, type Kind } from '../supervisor.js';

/** The supervisor RSS targets: at most 48 MiB with 100 workers, 56 MiB with 500. */
const RSS_TARGET_MIB = { at100: 48, at500: 56 } as const;

/** One idle period. */
interface FootprintRun {
  readonly rssMaxKiB: number;
  readonly rssEndKiB: number;
  readonly cpuMs: number;
  readonly helpersRssKiB: number;
  /** Context switches of every thread of the supervisor and its helpers over the period. */
  readonly wakeups: number;
}

/** RSS (sampled every second) and utime+stime of the supervisor process over an idle period. */
export async function footprintScenario(ctx: BenchContext, s: Settings['footprint'], rssAt: ReadonlyMap<number, Record<Kind, number>>): Promise<Section> {
  const results = await interleave(1, (kind) => withSupervisor(ctx, kind, s.workers, async (sup): Promise<FootprintRun> => {
    await settle(sup, s.settleMs);
    const ticks0 = cpuTicks(sup.pid) ?? NaN;
    const switches = () => [sup.pid, ...sup.helpers()].reduce((n, p) => n + contextSwitches(p), 0);
    const switches0 = switches();
    let rssMaxKiB = 0;
    for (let elapsed = 0; elapsed < s.idleMs; elapsed += 1_000) {
      await delay(Math.min(1_000, s.idleMs - elapsed));
      rssMaxKiB = Math.max(rssMaxKiB, rssKiB(sup.pid) ?? 0);
    }
    const cpuMs = (((cpuTicks(sup.pid) ?? NaN) - ticks0) * 1000) / TICKS_PER_S;
    const run = { rssMaxKiB, rssEndKiB: rssKiB(sup.pid) ?? NaN, cpuMs, helpersRssKiB: sup.helpers().reduce((n, p) => n + (rssKiB(p) ?? 0), 0), wakeups: switches() - switches0 };
    ctx.progress(`footprint ${kind}: RSS ${(run.rssEndKiB / 1024).toFixed(1)} MiB, CPU ${cpuMs} ms, ${run.wakeups} context switches over ${s.idleMs / 1000} s`);
    return run;
  }));
  const [m, q] = [results.master[0], results.quiesce[0]] as [FootprintRun, FootprintRun];
  const point = `${s.workers} idle workers, ${s.idleMs / 1000} s`;
  const rows: Row[] = [
    { point, metric: 'supervisor RSS at the end, MiB', master: { value: m.rssEndKiB / 1024 }, quiesce: { value: q.rssEndKiB / 1024 } },
    { point, metric: 'supervisor RSS, max of 1 s samples, MiB', master: { value: m.rssMaxKiB / 1024 }, quiesce: { value: q.rssMaxKiB / 1024 } },
    { point, metric: 'supervisor + helper processes RSS, MiB', master: { value: (m.rssEndKiB + m.helpersRssKiB) / 1024 }, quiesce: { value: (q.rssEndKiB + q.helpersRssKiB) / 1024 } },
    { point, metric: `supervisor CPU (utime+stime) over ${s.idleMs / 1000} s, ms`, master: cpuCell(m.cpuMs), quiesce: cpuCell(q.cpuMs) },
    { point, metric: `wake-ups (context switches, every thread, with helpers) over ${s.idleMs / 1000} s`, master: { value: m.wakeups }, quiesce: { value: q.wakeups } },
  ];
  const notes = [`CPU time is counted in clock ticks of ${1000 / TICKS_PER_S} ms, so small values are coarse.`];
  const biggest = Math.max(...rssAt.keys());
  const at = rssAt.get(biggest);
  if (at !== undefined) {
    const mib = at.quiesce / 1024;
    const target = biggest >= 500 ? RSS_TARGET_MIB.at500 : RSS_TARGET_MIB.at100;
    rows.push({ point: `${biggest} idle workers (graceful-stop runs)`, metric: `supervisor RSS, MiB (quiesce target <= ${target})`, master: { value: at.master / 1024 }, quiesce: { value: mib } });
    notes.push(`quiesce at ${biggest} workers: ${fmt(mib)} MiB, ${mib <= target ? 'within' : 'OVER'} the ${target} MiB target; with 100: ${fmt(q.rssEndKiB / 1024)} MiB against ${RSS_TARGET_MIB.at100}.`);
  }
  return {
    title: 'Footprint',
    how: `prefork ${s.workers}, no client; once the pool is full, ${s.settleMs} ms have passed and every worker sleeps (state S in /proc: done initialising), the supervisor process is watched for ${s.idleMs / 1000} s: VmRSS from /proc/<pid>/status, CPU as utime+stime from /proc/<pid>/stat (the process itself, not its workers). "Helper processes" are the supervisor's children that are not imapd (quiesce's fork server; master has none). Wake-ups: the voluntary and involuntary context switches of every thread of the supervisor and its helpers (/proc/<pid>/task/*/status) over the period. One run each, interleaved.`,
    rows,
    notes,
  };
}

/** CPU time in ms; 0 ticks means less than one tick, not nothing. */
function cpuCell(ms: number): Cell {
  return ms === 0 ? `< ${1000 / TICKS_PER_S} (0 ticks)` : { value: ms };
}
