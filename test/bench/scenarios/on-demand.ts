// On-demand start: one client on a prefork-0 pool with no worker; connect -> banner is the start of a worker for it.
import { setTimeout as delay } from 'node:timers/promises';
import { imapSession } from '../imap-storm.js';
import { interleave, withSupervisor, type BenchContext } from '../run.js';
import type { Settings } from '../settings.js';
import { quantile, summarize } from '../stats.js';
import { settle, waitFor } from '../supervisor.js';
import type { Row, Section } from '../table.js';

/**
 * Each sample: no imapd runs; a client connects and waits for the banner (the supervisor must
 * notice the waiting client and start a worker); LOGOUT; then the now idle worker gets SIGTERM
 * (it exits 75, "killed", which is not a ready-fail in either supervisor) and is reaped before the
 * next sample.
 */
export async function onDemandScenario(ctx: BenchContext, s: Settings['onDemand']): Promise<Section> {
  const results = await interleave(s.reps, (kind) => withSupervisor(ctx, kind, 0, async (sup) => {
    await settle(sup, s.settleMs);
    const banners: number[] = [];
    for (let i = 0; i < s.samples; i++) {
      banners.push((await imapSession(sup.port, 10_000)).bannerMs);
      await delay(20); // the worker goes back to its accept loop
      const idle = sup.workers();
      for (const pid of idle) process.kill(pid, 'SIGTERM');
      if (!(await waitFor(() => sup.workers().length === 0, 5_000, 5))) throw new Error(`${kind}: idle workers did not leave on SIGTERM`);
      await delay(50); // the supervisor watches its socket again
    }
    ctx.progress(`on-demand ${kind}: banner after ${banners.map((b) => b.toFixed(1)).join(' ')} ms`);
    return banners;
  }));
  const point = 'prefork 0, no worker running';
  const rows: Row[] = [
    { point, metric: 'connect -> banner, median ms', master: summarize(results.master.map((r) => quantile(r, 0.5))), quiesce: summarize(results.quiesce.map((r) => quantile(r, 0.5))) },
    { point, metric: 'connect -> banner, max ms', master: { value: Math.max(...results.master.flat()) }, quiesce: { value: Math.max(...results.quiesce.flat()) } },
  ];
  return {
    title: 'On-demand start',
    how: `prefork 0. Each sample: no imapd runs; one client connects and the time to the \`* OK\` banner is the supervisor noticing the waiting client (master: select() on the socket, then a fork; quiesce: the worker staged in its fork server, which has the socket in its select() and forks it) plus imapd's start. Then LOGOUT, SIGTERM to the idle worker (exit 75: not a ready-fail), wait until it is reaped. ${s.samples} samples per run, ${s.reps} run(s) each, interleaved; median of each run's median (range), and the largest sample.`,
    rows,
    notes: [],
  };
}
