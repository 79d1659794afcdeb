// Cyrus master's Prometheus report, `{prometheus_stats_dir}/master.txt` (imapd.conf
// `prometheus_enabled: yes`): the seven `cyrus_master_*` families master writes, each line
// labelled `{service,family}` and stamped with the time in ms, rewritten every
// `prometheus_master_update_freq` (else `prometheus_service_update_freq`, 10 s). Cyrus httpd's
// /metrics appends this file to its own report, so dashboards built on master keep every series.
// master locks the file and rewrites it in place; Node has no fcntl lock, so the report is
// written to a temporary file and renamed over it: a reader sees the old report or the new one.
import { chownSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock } from '../clock.js';
import type { MasterStats, UnitStatus } from '../service/unit.js';
import type { Owner } from './proc-files.js';

/** The families, in master's order, with master's help texts. */
const FAMILIES: readonly { readonly name: string; readonly type: 'gauge' | 'counter'; readonly help: string; readonly value: (m: MasterStats) => number }[] = [
  { name: 'cyrus_master_ready_workers', type: 'gauge', help: 'The number of ready workers', value: (m) => m.readyWorkers },
  { name: 'cyrus_master_forks_total', type: 'counter', help: 'The number of children spawned', value: (m) => m.forks },
  { name: 'cyrus_master_active_children', type: 'gauge', help: 'The number of children servicing clients', value: (m) => m.activeChildren },
  { name: 'cyrus_master_max_children', type: 'gauge', help: 'The maximum number of child processes', value: (m) => m.maxChildren },
  { name: 'cyrus_master_forks_per_second', type: 'gauge', help: 'The rate at which we\'re spawning children', value: (m) => m.forksPerSecond },
  { name: 'cyrus_master_max_forks_per_second', type: 'gauge', help: 'The maximum rate at which we will spawn children', value: (m) => m.maxForksPerSecond },
  { name: 'cyrus_master_ready_fails_total', type: 'counter', help: 'The number of failures in READY state', value: (m) => m.readyFails },
];

/** The report for `units` (SERVICES and DAEMON entries carry master stats) at `nowMs`. */
export function renderMasterReport(units: readonly UnitStatus[], nowMs: number): string {
  const reported = units.filter((u): u is UnitStatus & { master: MasterStats } => u.master !== undefined);
  let text = '';
  for (const f of FAMILIES) {
    text += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const u of reported) text += `${f.name}{service="${u.name}",family="${u.master.family}"} ${f.value(u.master)} ${nowMs}\n`;
  }
  return text;
}

/** Writes `file` atomically, mode 0600 (as master), owned by `owner` (the Cyrus user httpd runs as). */
export function writeMasterReport(file: string, text: string, owner: Owner): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(file), `.master.txt.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  if (owner !== undefined) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, file);
}

/** What the report loop needs. */
export interface MasterReportOptions {
  /** The report file and its interval now (they follow a reload), or undefined when off. */
  readonly target: () => { readonly file: string; readonly everyMs: number } | undefined;
  readonly units: () => readonly UnitStatus[];
  readonly owner: () => Owner;
  readonly clock: Clock;
  /** A write failed (logged; the next interval tries again). */
  readonly onError: (message: string) => void;
}

/** Rewrites the report at once, then every interval, until stop(). */
export function startMasterReport(opts: MasterReportOptions): { stop(): void } {
  const cancel = new AbortController();
  void (async () => {
    for (let t = opts.target(); t !== undefined && !cancel.signal.aborted; t = opts.target()) {
      try {
        writeMasterReport(t.file, renderMasterReport(opts.units(), opts.clock.now()), opts.owner());
      } catch (e) {
        opts.onError(`cannot write ${t.file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      await opts.clock.sleep(t.everyMs, cancel.signal);
    }
  })();
  return { stop: () => cancel.abort() };
}
