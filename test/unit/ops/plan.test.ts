import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandSpec, Config, DaemonEntry, EventEntry, Section, ServiceEntry, ShutdownEntry } from '../../../src/config/types.js';
import { DEFAULTS } from '../../../src/defaults.js';
import { checkStopPlan, computeStopPlan } from '../../../src/ops/plan.js';
import { planCommand, PLAN_EXIT } from '../../../src/ops/plan-command.js';
import { renderStopPlan } from '../../../src/ops/plan-text.js';
import { stopTimeoutOfUnit } from '../../../src/ops/systemd-unit.js';
import { parseTimespan } from '../../../src/ops/timespan.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function spec<S extends Section>(section: S, name: string, quitTimeoutMs: number = DEFAULTS.quitTimeoutMs, termTimeoutMs: number = DEFAULTS.termTimeoutMs): CommandSpec & { section: S } {
  return { name, section, cmd: name, argv: [`/usr/lib/cyrus/bin/${name}`], shell: false, env: {}, cwd: undefined, stopSignal: 'SIGQUIT', quitTimeoutMs, termTimeoutMs, user: undefined, group: undefined, line: 1 };
}
const service = (name: string, quit?: number, term?: number): ServiceEntry => ({
  ...spec('SERVICES', name, quit, term), listenSpec: undefined, listen: undefined, proto: 'tcp', prefork: 0, maxchild: -1, maxforkrate: 0, babysit: false, maxfds: 0,
});
const event = (name: string, quit?: number, term?: number): EventEntry => ({ ...spec('EVENTS', name, quit, term), schedule: { kind: 'period', periodMs: 60_000 } });
const daemon = (name: string): DaemonEntry => ({ ...spec('DAEMON', name), wait: false, waitTimeoutMs: DEFAULTS.waitTimeoutMs });
const shutdown = (name: string, timeoutMs: number): ShutdownEntry => ({ ...spec('SHUTDOWN', name), timeoutMs });

const config: Config = {
  file: '/etc/quiesce/cyrus.yaml',
  supervisor: {} as Config['supervisor'], // the plan reads only the entries
  cyrus: undefined,
  warnings: [],
  start: [],
  services: [service('imap'), service('lmtp', 30_000, 5_000)],
  events: [event('delprune', 2_000, 1_000)],
  daemons: [daemon('syncclient'), daemon('idled')],
  shutdown: [shutdown('flush', 120_000)],
};

describe('computeStopPlan', () => {
  it('drains with the slowest service, stops daemons in reverse order, then runs SHUTDOWN commands', () => {
    const plan = computeStopPlan(config);
    expect(plan.steps).toEqual([
      { kind: 'drain', entries: ['imap', 'lmtp', 'delprune'], slowest: 'lmtp', quitMs: 30_000, termMs: 5_000, budgetMs: 35_000 },
      { kind: 'daemon', entry: 'idled', quitMs: 10_000, termMs: 5_000, budgetMs: 15_000 },
      { kind: 'daemon', entry: 'syncclient', quitMs: 10_000, termMs: 5_000, budgetMs: 15_000 },
      { kind: 'command', entry: 'flush', timeoutMs: 120_000, quitMs: 10_000, termMs: 5_000, budgetMs: 135_000 },
      { kind: 'sweep', budgetMs: 2_000 },
    ]);
    expect(plan.totalMs).toBe(35_000 + 15_000 + 15_000 + 135_000 + 2_000);
  });

  it('a fast stop skips quit timeouts of children but not of SHUTDOWN commands', () => {
    const plan = computeStopPlan(config, 'fast');
    expect(plan.steps.map((s) => s.budgetMs)).toEqual([5_000, 5_000, 5_000, 135_000, 2_000]);
  });

  it('a replication master waits sync_drain_timeout for sync_client between the drain and the daemons', () => {
    const plan = computeStopPlan(config, 'graceful', true);
    expect(plan.steps.map((s) => s.kind)).toEqual(['drain', 'sync-drain', 'daemon', 'daemon', 'command', 'sweep']);
    expect(plan.steps[1]).toEqual({ kind: 'sync-drain', budgetMs: config.supervisor.syncDrainTimeoutMs });
    expect(plan.totalMs).toBe(35_000 + config.supervisor.syncDrainTimeoutMs + 15_000 + 15_000 + 135_000 + 2_000);
  });

  it('an empty config still has a drain and a sweep', () => {
    const plan = computeStopPlan({ ...config, services: [], events: [], daemons: [], shutdown: [] });
    expect(plan.totalMs).toBe(2_000);
    expect(plan.steps[0]).toEqual({ kind: 'drain', entries: [], slowest: undefined, quitMs: 0, termMs: 0, budgetMs: 0 });
  });
});

describe('checkStopPlan and renderStopPlan', () => {
  it('renders every step with its running total and warns where a limit cuts the stop', () => {
    const plan = computeStopPlan(config);
    const overruns = checkStopPlan(plan, [
      { name: '--stop-budget 90s', limit: { kind: 'ms', ms: 90_000 } },
      { name: 'TimeoutStopSec=infinity', limit: { kind: 'infinity' } },
      { name: 'TimeoutStopSec=240s', limit: { kind: 'ms', ms: 240_000 } },
    ]);
    expect(overruns).toEqual([{ limit: { name: '--stop-budget 90s', limit: { kind: 'ms', ms: 90_000 } }, overByMs: 112_000, cutStep: 3 }]);
    expect(renderStopPlan(plan, overruns)).toBe(
      [
        'graceful stop of /etc/quiesce/cyrus.yaml, worst case:',
        '    STEP                                             UP TO  DONE BY  WHY',
        '1.  drain SERVICES and EVENTS (3 entries, together)  35s    35s      slowest lmtp: quit 30s + term 5s',
        '2.  stop DAEMON idled                                15s    50s      quit 10s + term 5s',
        '3.  stop DAEMON syncclient                           15s    1m05s    quit 10s + term 5s',
        '4.  SHUTDOWN flush                                   2m15s  3m20s    timeout 2m00s + quit 10s + term 5s',
        '5.  sweep leftovers (SIGKILL, wait)                  2s     3m22s    fixed',
        '    total                                            3m22s',
        'warning: the worst case (3m22s) exceeds --stop-budget 90s (1m30s) by 1m52s; it would be cut short during step 4 (SHUTDOWN flush)',
      ].join('\n'),
    );
  });
});

describe('parseTimespan', () => {
  it.each([
    ['240s', 240_000], ['4min', 240_000], ['1min 30s', 90_000], ['1min30s', 90_000], ['90', 90_000],
    ['1.5h', 5_400_000], ['500ms', 500], ['2 minutes', 120_000],
  ])('%s = %d ms', (text, ms) => expect(parseTimespan(text)).toEqual({ ok: true, value: { kind: 'ms', ms } }));

  it.each(['infinity', '0'])('%s means no limit', (text) => expect(parseTimespan(text)).toEqual({ ok: true, value: { kind: 'infinity' } }));

  it.each(['', 'soon', '10 parsecs', '5s!'])('rejects %j', (text) => expect(parseTimespan(text).ok).toBe(false));
});

describe('stopTimeoutOfUnit', () => {
  it('reads the TimeoutStopSec= of init/quiesce.service', () => {
    const r = stopTimeoutOfUnit(readFileSync(join(ROOT, 'init/quiesce.service'), 'utf8'));
    expect(r.ok && r.value.timeout).toEqual({ kind: 'ms', ms: 450_000 });
    expect(r.ok && r.value.source).toMatch(/^TimeoutStopSec=450s \(line 42\)$/);
  });

  it('applies assignments in order: TimeoutSec= counts, the last wins, empty resets', () => {
    const unit = (body: string): unknown => {
      const r = stopTimeoutOfUnit(`[Unit]\nTimeoutStopSec=1s\n[Service]\n${body}\n[Install]\nTimeoutSec=9s\n`);
      return r.ok ? r.value.timeout : r.error;
    };
    expect(unit('TimeoutStopSec=5min\nTimeoutSec=10s')).toEqual({ kind: 'ms', ms: 10_000 });
    expect(unit('TimeoutSec=10s\nTimeoutStopSec=5min')).toEqual({ kind: 'ms', ms: 300_000 });
    expect(unit('TimeoutStopSec=5min\nTimeoutStopSec=')).toEqual({ kind: 'ms', ms: 90_000 });
    expect(unit('# TimeoutStopSec=5min')).toEqual({ kind: 'ms', ms: 90_000 });
    expect(unit('TimeoutStopSec=lots')).toMatch(/^line 4: TimeoutStopSec=: not a time span/);
  });
});

describe('planCommand', () => {
  it('exits 1 when the unit file stop timeout is too short, 0 when everything fits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-plan-'));
    try {
      const unitFile = join(dir, 'q.service');
      writeFileSync(unitFile, '[Service]\nTimeoutStopSec=2min\n');
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
      expect(await planCommand(config, { stopBudget: undefined, unitFile, fast: false }, io)).toBe(PLAN_EXIT.overrun);
      expect(out.join('\n')).toContain(`exceeds TimeoutStopSec=2min (line 2) in ${unitFile} (2m00s) by 1m22s; it would be cut short during step 4 (SHUTDOWN flush)`);
      expect(await planCommand(config, { stopBudget: '5min', unitFile: join(ROOT, 'init/quiesce.service'), fast: false }, io)).toBe(PLAN_EXIT.fits);
      expect(await planCommand(config, { stopBudget: 'soon', unitFile: undefined, fast: false }, io)).toBe(PLAN_EXIT.usage);
      expect(await planCommand(config, { stopBudget: undefined, unitFile: join(dir, 'missing'), fast: false }, io)).toBe(PLAN_EXIT.noInput);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
