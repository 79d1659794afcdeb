// Refill: SIGKILL k idle workers of a prefork pool; time until prefork idle workers run again.
import { performance } from 'node:perf_hooks';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { summarize } from '../stats.js';
import { settle, waitFor } from '../supervisor.js';
import type { Cell, Row, Section } from '../table.js';

/** One refill: ms until prefork workers ran again, or how it ended instead. */
type RefillRun = { readonly kind: 'refilled'; readonly ms: number } | { readonly kind: 'disabled' | 'timeout'; readonly workers: number; readonly afterMs: number };

/** For each k, kills k of the prefork idle workers at once and waits for the pool to be full again. */
export async function refillScenario(ctx: BenchContext, s: Settings['refill']): Promise<Section> {
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const k of s.kills) {
    const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, s.prefork, async (sup): Promise<RefillRun> => {
      await settle(sup, s.settleMs);
      const victims = sup.workers().slice(0, k);
      sup.forget(victims); // they are dead from now on, even while still zombies
      const t0 = performance.now();
      for (const pid of victims) process.kill(pid, 'SIGKILL');
      let disabled = false;
      let polls = 0;
      const full = await waitFor(() => {
        if (sup.workers().length >= s.prefork) return true;
        // Cyrus' rule (both): 5 ready-fails within 10 s disable the service; looked at every 100 ms
        if (++polls % 20 === 0) disabled = sup.serviceDisabled();
        return disabled;
      }, s.timeoutMs, 5);
      const ms = performance.now() - t0;
      const run: RefillRun = full && !disabled ? { kind: 'refilled', ms } : { kind: disabled ? 'disabled' : 'timeout', workers: sup.workers().length, afterMs: ms };
      ctx.progress(`refill kill ${k}/${s.prefork} ${kind}: ${run.kind === 'refilled' ? `${ms.toFixed(0)} ms` : `${run.kind} (${run.workers} workers) after ${ms.toFixed(0)} ms`}`);
      return run;
    }));
    const cell = (runs: RefillRun[]): Cell => {
      const done = runs.filter((r): r is Extract<RefillRun, { kind: 'refilled' }> => r.kind === 'refilled');
      if (done.length === runs.length) return summarize(done.map((r) => r.ms));
      const other = runs.filter((r): r is Exclude<RefillRun, { kind: 'refilled' }> => r.kind !== 'refilled');
      const left = other.map((r) => r.workers);
      const range = Math.min(...left) === Math.max(...left) ? `${left[0]}` : `${Math.min(...left)}–${Math.max(...left)}`;
      const disabled = other.filter((r) => r.kind === 'disabled').length;
      const words = [
        ...(disabled > 0 ? [`disabled, never refilled${disabled < runs.length ? ` (${disabled}/${runs.length} runs)` : ''}`] : []),
        ...(other.length > disabled ? [`not refilled in ${s.timeoutMs / 1000} s (${other.length - disabled}/${runs.length} runs)`] : []),
        ...(done.length > 0 ? [`refilled in ${done.length}/${runs.length} runs`] : []),
      ];
      return `${words.join('; ')}; ${range} workers left`;
    };
    rows.push({ point: `kill ${k} of ${s.prefork}`, metric: 'SIGKILL -> prefork workers again, ms', master: cell(results.master), quiesce: cell(results.quiesce) });
  }
  notes.push('"disabled": the socket left the LISTEN state (/proc/net/tcp; quiesce shuts it down) or the supervisor closed its own fd on it (/proc/<pid>/fd; master closes its copy, while workers it started in between may still hold theirs). Cyrus master and quiesce both disable a service after 5 workers die abnormally before taking a connection, each within 10 s of the previous (Cyrus MAX_READY_FAILS; quiesce ready_fail_limit / ready_fail_interval), until the next SIGHUP.');
  return {
    title: 'Refill after SIGKILL',
    how: `prefork ${s.prefork}, no client; once the pool is full, ${s.settleMs} ms have passed and every worker sleeps (state S in /proc: done initialising), k idle workers get SIGKILL at once. The time runs until ${s.prefork} live imapd workers (the killed ones excluded) run again, polled every 5 ms; bounded by ${s.timeoutMs / 1000} s. ${s.reps} run(s) per point, interleaved, each on a fresh supervisor; median (range).`,
    rows,
    notes,
  };
}
