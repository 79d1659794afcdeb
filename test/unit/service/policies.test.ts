// Pure policies: daemon restart backoff, the repeated-failure rule, event schedules.
import { describe, expect, it } from 'vitest';
import { decideRestart, type RestartPolicy } from '../../../src/service/restart-policy.js';
import { isReadyFail, recordReadyFail } from '../../../src/service/ready-fails.js';
import { firstRun, nextRun } from '../../../src/service/schedule.js';

const policy: RestartPolicy = { restartDelayMs: 1_000, restartMaxDelayMs: 60_000, restartResetAfterMs: 60_000, restartGiveUpCount: 10 };

describe('decideRestart', () => {
  it.each([
    // failures before, ran for ms -> decision
    [0, 100, { kind: 'restart', delayMs: 2_000, failures: 1 }],
    [1, 100, { kind: 'restart', delayMs: 4_000, failures: 2 }],
    [5, 100, { kind: 'restart', delayMs: 60_000, failures: 6 }],
    [9, 100, { kind: 'give-up', failures: 10 }],
    [9, 60_000, { kind: 'restart', delayMs: 1_000, failures: 0 }],
  ] as const)('after %i quick failures and a run of %i ms: %j', (before, ran, decision) => {
    expect(decideRestart(policy, before, ran)).toEqual(decision);
  });
  it('never gives up when restart_give_up is 0', () => {
    expect(decideRestart({ ...policy, restartGiveUpCount: 0 }, 1_000, 0).kind).toBe('restart');
  });
});

describe('recordReadyFail', () => {
  const rule = { readyFailLimit: 3, readyFailIntervalMs: 10_000 };
  it('trips on the limit-th failure each within the interval of the previous', () => {
    let chain: number[] = [];
    const trips = [0, 5_000, 9_000].map((t) => {
      const r = recordReadyFail(chain, t, rule);
      chain = r.chain;
      return r.tripped;
    });
    expect(trips).toEqual([false, false, true]);
  });
  it('restarts the chain after a quiet interval', () => {
    const r = recordReadyFail([0, 5_000], 15_001, rule);
    expect(r).toEqual({ chain: [15_001], tripped: false });
  });
});

describe('isReadyFail', () => {
  const exit = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => ({ code, signal, spawnError, at: 0 });
  it('counts error exits, crash signals and failed execs', () => {
    expect([exit(1, null), exit(70, null), exit(null, 'SIGSEGV'), exit(null, 'SIGABRT'), exit(null, 'SIGBUS'), exit(null, null, 'ENOENT')].map(isReadyFail)).toEqual([true, true, true, true, true, true]);
  });
  it('does not count a clean exit, EX_TEMPFAIL, or a kill from outside', () => {
    expect([exit(0, null), exit(75, null), exit(null, 'SIGKILL'), exit(null, 'SIGTERM'), exit(null, 'SIGQUIT'), exit(null, 'SIGHUP')].map(isReadyFail)).toEqual([false, false, false, false, false, false]);
  });
});

describe('event schedules', () => {
  it('a period event runs at once, then every period, skipping missed runs', () => {
    const s = { kind: 'period', periodMs: 60_000 } as const;
    expect(firstRun(s, 1_000)).toBe(1_000);
    expect(nextRun(s, 1_000, 1_000)).toBe(61_000);
    expect(nextRun(s, 1_000, 200_000)).toBe(241_000);
  });
  it('an at event runs at the next local HH:MM', () => {
    const s = { kind: 'at', hour: 4, minute: 0 } as const;
    const before = new Date(2026, 0, 10, 3, 59).getTime();
    const after = new Date(2026, 0, 10, 4, 0).getTime();
    expect(firstRun(s, before)).toBe(new Date(2026, 0, 10, 4, 0).getTime());
    expect(nextRun(s, after, after)).toBe(new Date(2026, 0, 11, 4, 0).getTime());
  });
});
