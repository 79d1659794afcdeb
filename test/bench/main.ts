// `npm run bench`: Cyrus master against quiesce on the same imapd and the same instance, interleaved.
//
// Needs root (the instance is chowned to cyrus, master drops to it), Debian's Cyrus 3.6 and a built
// dist/boot.cjs. QUICK=1 is a smoke run of about a minute; BENCH_ONLY=storm,storm-busy,steady,ondemand,stop,refill,footprint,failover
// runs a subset. Writes test/bench/results.md and prints it.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { createInstance } from '../e2e/harness/instance.js';
import { CYRUS_MASTER } from './master.js';
import { memAvailableMiB, pssKiB, softLimit } from './proc.js';
import { QUIESCE_CLI, repoRoot } from './quiesce.js';
import { destroyAll, withSupervisor, type BenchContext } from './run.js';
import { failoverScenario } from './scenarios/failover.js';
import { footprintScenario } from './scenarios/footprint.js';
import { onDemandScenario } from './scenarios/on-demand.js';
import { refillScenario } from './scenarios/refill.js';
import { stopScenario } from './scenarios/stop.js';
import { steadyScenario, stormScenario } from './scenarios/storm.js';
import { settingsFromEnv, type Settings } from './settings.js';
import { storm } from './imap-storm.js';
import { stopLoad } from './load.js';
import { sectionMarkdown, type Section } from './table.js';

/** Why the benchmark cannot run here, or undefined. */
function preflightProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'run it as root: the instance is chowned to cyrus and master must start as root';
  for (const f of [CYRUS_MASTER, '/usr/lib/cyrus/bin/imapd']) if (!existsSync(f)) return `${f} is missing (apt-get install cyrus-imapd)`;
  if (!existsSync(QUIESCE_CLI)) return `${QUIESCE_CLI} is missing (npm run build)`;
  return undefined;
}

/**
 * The largest worker count of `wanted` this machine can take for one supervisor at a time, and why
 * it is smaller when it is: memory (measured PSS of an idle imapd, x2 as margin), open files
 * (quiesce holds two pipes per socket worker, status channel and stderr; 4 fds counted as a margin),
 * and processes.
 */
function feasibleWorkers(wanted: number, imapdPssKiB: number): { n: number; why: string | undefined } {
  const perWorkerMiB = Math.max(1, (imapdPssKiB / 1024) * 2);
  const byMemory = Math.floor((memAvailableMiB() - 1024) / perWorkerMiB);
  const byFiles = Math.floor((softLimit('Max open files') - 256) / 4);
  const byProcs = Math.floor((softLimit('Max processes') - 512) / 2);
  const n = Math.min(wanted, byMemory, byFiles, byProcs);
  if (n >= wanted) return { n: wanted, why: undefined };
  const limits = [`memory allows ${byMemory} (MemAvailable ${memAvailableMiB()} MiB, ${perWorkerMiB.toFixed(1)} MiB per worker)`, `open files allow ${byFiles}`, `processes allow ${byProcs}`];
  return { n: Math.max(10, Math.floor(n / 50) * 50), why: `${wanted} workers are not feasible here: ${limits.join('; ')}` };
}

function machineLine(): string {
  const cyrus = (() => {
    try {
      return execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'cyrus-imapd'], { encoding: 'utf8' });
    } catch {
      return 'unknown';
    }
  })();
  const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  return `${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${kernel}, Node ${process.version}, cyrus-imapd ${cyrus}`;
}

async function main(): Promise<number> {
  const problem = preflightProblem();
  if (problem !== undefined) {
    console.error(`bench: ${problem}`);
    return 2;
  }
  const { settings: base, only } = settingsFromEnv(process.env);
  const wants = (name: string) => only === undefined || only.has(name);
  const t0 = performance.now();
  const instance = await createInstance({ name: 'qbench' });
  const ctx: BenchContext = { instance, backlog: base.backlog, readyTimeoutMs: base.readyTimeoutMs, progress: (l) => console.error(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${l}`) };
  const sections: Section[] = [];
  const notes: string[] = [];
  try {
    // Warm-up (not measured): page cache, the instance's databases; and one idle imapd's PSS.
    const imapdPss = await withSupervisor(ctx, 'master', 5, async (sup) => {
      await storm(sup.port, 4, 40, 10_000);
      await delay(300);
      return pssKiB(sup.workers()[0] ?? -1) ?? 4096;
    });
    await withSupervisor(ctx, 'quiesce', 5, (sup) => storm(sup.port, 4, 40, 10_000));
    const wanted = Math.max(...base.stop.workers);
    const { n, why } = feasibleWorkers(wanted, imapdPss);
    let settings: Settings = base;
    if (why !== undefined) {
      settings = { ...base, stop: { ...base.stop, workers: [...new Set(base.stop.workers.map((w) => Math.min(w, n)))] } };
      console.error(`bench: ${why}; using ${n}`);
      notes.push(`${why}; the largest point uses ${n}.`);
    } else {
      notes.push(`${wanted} workers at once are feasible here: an idle imapd has a PSS of ${(imapdPss / 1024).toFixed(1)} MiB, MemAvailable ${memAvailableMiB()} MiB, open files ${softLimit('Max open files')}, processes ${softLimit('Max processes')}; only one supervisor runs at a time.`);
    }
    if (settings.quick) notes.push('QUICK=1: smaller sizes, one run per point (a smoke run, not numbers to quote).');

    if (wants('storm')) sections.push(await stormScenario(ctx, settings.storm));
    if (wants('storm-busy')) sections.push(await stormScenario(ctx, settings.storm, true));
    if (wants('steady')) sections.push(await steadyScenario(ctx, settings.steady));
    if (wants('ondemand')) sections.push(await onDemandScenario(ctx, settings.onDemand));
    let rssAt = new Map<number, Record<'master' | 'quiesce', number>>();
    if (wants('stop')) {
      const stop = await stopScenario(ctx, settings.stop);
      sections.push(stop.section);
      rssAt = stop.rssAt;
    }
    if (wants('refill')) sections.push(await refillScenario(ctx, settings.refill));
    if (wants('footprint')) sections.push(await footprintScenario(ctx, settings.footprint, rssAt));
    if (wants('failover')) sections.push(await failoverScenario(ctx, settings.failover));
  } finally {
    await stopLoad();
    await destroyAll();
    instance.cleanup();
  }
  const minutes = (performance.now() - t0) / 60_000;
  const markdown = [
    `# quiesce vs Cyrus master${base.quick ? ' (QUICK=1 smoke run)' : ''}`,
    '',
    `${new Date().toISOString()}, ${machineLine()}; ${minutes.toFixed(1)} min. Same imapd, same instance, same SERVICES entry (\`imapd -C <imapd.conf>\` on 127.0.0.1, listen backlog ${base.backlog} for both except the "as shipped" storm points). Ratio = quiesce / master: above 1 means quiesce is slower for times and memory, faster for conn/s. See README.md for how it is measured.`,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    ...sections.map(sectionMarkdown).join('\n\n').split('\n'),
    '',
  ].join('\n');
  const file = join(repoRoot(), 'test/bench/results.md');
  writeFileSync(file, markdown);
  console.log(markdown);
  console.error(`bench: wrote ${file}`);
  return 0;
}

// A bench interrupted by a signal still kills everything it started.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, killing every supervisor and worker it started`);
    void Promise.all([stopLoad(), destroyAll()]).finally(() => process.exit(130));
  });
}

main().then(
  (code) => (process.exitCode = code),
  async (e: unknown) => {
    console.error(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    await Promise.all([stopLoad(), destroyAll()]);
    process.exitCode = 1;
  },
);
