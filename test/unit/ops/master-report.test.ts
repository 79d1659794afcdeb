// master.txt as Cyrus master writes it, and the proc files it keeps for its DAEMON and EVENTS children.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderMasterReport, writeMasterReport } from '../../../src/ops/master-report.js';
import { procFileKeeper, sweepStaleProcs } from '../../../src/ops/proc-files.js';
import type { UnitStatus } from '../../../src/service/unit.js';

const dir = mkdtempSync(join(tmpdir(), 'quiesce-master-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const unit = (name: string, master: UnitStatus['master']): UnitStatus => ({
  name, section: 'SERVICES', state: 'running', stateKind: 'running', pids: [], readyCount: undefined, busyCount: undefined, restarts: 0, lastExit: undefined, listen: undefined, master,
});

/** Prometheus text -> { family: { help, type, samples: [labels, value, timestamp] } }. */
function parsePrometheus(text: string): Record<string, { help: string; type: string; samples: [string, number, number][] }> {
  const out: Record<string, { help: string; type: string; samples: [string, number, number][] }> = {};
  for (const line of text.trimEnd().split('\n')) {
    const help = /^# HELP (\S+) (.*)$/.exec(line);
    const type = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
    const sample = /^(\w+)\{([^}]*)\} (\S+) (\d+)$/.exec(line);
    if (help) out[help[1] as string] = { help: help[2] as string, type: '', samples: [] };
    else if (type) (out[type[1] as string] as { type: string }).type = type[2] as string;
    else if (sample) out[sample[1] as string]?.samples.push([sample[2] as string, Number(sample[3]), Number(sample[4])]);
    else throw new Error(`not Prometheus text: ${line}`);
  }
  return out;
}

describe('master.txt', () => {
  const stats = { family: 'ipv4', readyWorkers: 2, forks: 5, activeChildren: 1, maxChildren: 100, forksPerSecond: 0, maxForksPerSecond: 0, readyFails: 1 };
  const daemon = { ...stats, family: 'daemon', readyWorkers: 1, forks: 1, activeChildren: 0, maxChildren: 1, maxForksPerSecond: 10, readyFails: 0 };

  it('has the seven families of master, one line per entry labelled {service,family}, stamped with the time', () => {
    const report = parsePrometheus(renderMasterReport([unit('imap', stats), unit('syncclient', daemon), unit('checkpoint', undefined)], 1_700_000_000_123));
    expect(Object.entries(report).map(([name, f]) => [name, f.type])).toEqual([
      ['cyrus_master_ready_workers', 'gauge'], ['cyrus_master_forks_total', 'counter'], ['cyrus_master_active_children', 'gauge'], ['cyrus_master_max_children', 'gauge'],
      ['cyrus_master_forks_per_second', 'gauge'], ['cyrus_master_max_forks_per_second', 'gauge'], ['cyrus_master_ready_fails_total', 'counter'],
    ]);
    expect(report['cyrus_master_ready_workers']?.samples).toEqual([['service="imap",family="ipv4"', 2, 1_700_000_000_123], ['service="syncclient",family="daemon"', 1, 1_700_000_000_123]]);
    expect(report['cyrus_master_ready_fails_total']?.samples.map((s) => s[1])).toEqual([1, 0]);
  });

  it('is replaced atomically, mode 0600', () => {
    const file = join(dir, 'stats', 'master.txt');
    writeMasterReport(file, 'one\n', undefined);
    writeMasterReport(file, 'two\n', undefined);
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(readdirSync(join(dir, 'stats'))).toEqual(['master.txt']);
  });
});

describe('proc files', () => {
  it('registers DAEMON and EVENTS children as master does, forgets them on exit, and a crashed service\'s too', () => {
    const proc = join(dir, 'proc');
    const keep = procFileKeeper(() => proc, () => undefined);
    keep({ event: 'child.started', entry: 'idled', section: 'DAEMON', pid: 4242, cmd: 'idled', worker: false });
    expect(readFileSync(join(proc, '4242'), 'utf8')).toBe('idled\t\t\t\t\n');
    keep({ event: 'child.started', entry: 'imap', section: 'SERVICES', pid: 4343, cmd: 'imapd', worker: true });
    expect(existsSync(join(proc, '4343'))).toBe(false); // a service writes its own
    writeFileSync(join(proc, '4343'), 'imap\t127.0.0.1\talice\t\timapd\n');
    keep({ event: 'child.exited', entry: 'idled', section: 'DAEMON', pid: 4242, code: 75, signal: null, durationMs: 1, expected: true, worker: false });
    keep({ event: 'child.exited', entry: 'imap', section: 'SERVICES', pid: 4343, code: null, signal: 'SIGKILL', durationMs: 1, expected: false, worker: true });
    expect(readdirSync(proc)).toEqual([]);
  });

  it('a clean exit of a service leaves its file to the service; stale files of dead processes are swept at start', () => {
    const proc = join(dir, 'proc2');
    const keep = procFileKeeper(() => proc, () => undefined);
    keep({ event: 'child.started', entry: 'syncclient', section: 'DAEMON', pid: process.pid, cmd: 'sync_client -r', worker: false });
    writeFileSync(join(proc, '2147483646'), 'lmtp\t\t\t\t\n'); // a pid no process has
    writeFileSync(join(proc, '2147483645.new'), '');
    expect(sweepStaleProcs(proc).sort()).toEqual([2147483645, 2147483646]);
    expect(readdirSync(proc)).toEqual([String(process.pid)]);
  });
});
