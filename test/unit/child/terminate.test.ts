// The stop escalation, driven by a manual clock and fake children: no processes, no sleeps.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { StopLevel } from '../../../src/child/stop-level.js';
import { Termination, type StopLadder } from '../../../src/child/terminate.js';
import { FakeChild, flush } from './fake-child.js';

const plan: StopLadder = { stopSignal: 'SIGQUIT', quitTimeoutMs: 10_000, termTimeoutMs: 5_000 };

describe('Termination', () => {
  it.each([
    // child dies on        first step  -> signals sent                            escalated
    [['SIGQUIT'], 'stop', ['SIGQUIT'], false],
    [['SIGTERM'], 'stop', ['SIGQUIT', 'SIGTERM'], true],
    [[], 'stop', ['SIGQUIT', 'SIGTERM', 'SIGKILL'], true],
    [['SIGTERM'], 'term', ['SIGTERM'], false],
    [[], 'term', ['SIGTERM', 'SIGKILL'], true],
    [[], 'kill', ['SIGKILL'], false],
  ] as const)('a child that dies on %j, starting at %s, receives %j (escalated: %s)', async (diesOn, first, signals, escalated) => {
    const clock = new ManualClock();
    const child = new FakeChild('x[1]', diesOn);
    const t = new Termination(child, plan, first, clock);
    const outcome = t.run();
    await flush();
    clock.advance(plan.quitTimeoutMs);
    await flush();
    clock.advance(plan.termTimeoutMs);
    await flush();
    const o = await outcome;
    expect(child.received.map((r) => r.signal)).toEqual(signals);
    expect(o.escalated).toBe(escalated);
  });

  it('waits quit_timeout before SIGTERM and term_timeout before SIGKILL', async () => {
    const clock = new ManualClock();
    const child = new FakeChild('x[1]', []);
    const t = new Termination(child, plan, 'stop', clock);
    const outcome = t.run();
    await flush();
    expect(t.deadline).toBe(10_000);
    clock.advance(9_999);
    await flush();
    expect(child.received.map((r) => r.signal)).toEqual(['SIGQUIT']);
    clock.advance(1);
    await flush();
    expect(child.received.map((r) => r.signal)).toEqual(['SIGQUIT', 'SIGTERM']);
    expect(t.deadline).toBe(15_000);
    clock.advance(5_000);
    const o = await outcome;
    expect(o.steps).toEqual(['stop', 'term', 'kill']);
    expect(o.durationMs).toBe(15_000);
  });

  it('advance() skips to the next step at once', async () => {
    const clock = new ManualClock();
    const child = new FakeChild('x[1]', []);
    const t = new Termination(child, plan, 'stop', clock);
    const outcome = t.run();
    await flush();
    t.advance();
    await flush();
    expect(child.received.map((r) => r.signal)).toEqual(['SIGQUIT', 'SIGTERM']);
    t.advance();
    const o = await outcome;
    expect(o.steps).toEqual(['stop', 'term', 'kill']);
    expect(o.durationMs).toBe(0);
  });

  it('does not lose an advance() that comes while isGone() waits for its /proc pass', async () => {
    const clock = new ManualClock();
    const child = new FakeChild('x[1]', []);
    const answers: ((gone: boolean) => void)[] = [];
    child.isGone = () => new Promise((resolve) => answers.push(resolve));
    const t = new Termination(child, plan, 'stop', clock);
    const outcome = t.run();
    await flush();
    expect(answers).toHaveLength(1);
    t.advance();
    answers.shift()?.(false);
    await flush();
    expect(child.received.map((r) => r.signal)).toEqual(['SIGQUIT', 'SIGTERM']);
    child.isGone = () => Promise.resolve(child.state.kind === 'exited');
    t.advance();
    answers.shift()?.(false); // the pass asked for at the term step
    expect((await outcome).steps).toEqual(['stop', 'term', 'kill']);
  });
});

describe('StopLevel', () => {
  it('escalate() moves every running termination and later ones start at the new level', async () => {
    const clock = new ManualClock();
    const level = new StopLevel('stop', clock);
    const a = new FakeChild('a[1]', []);
    const b = new FakeChild('b[2]', ['SIGTERM']);
    const pa = level.stop(a, plan);
    const pb = level.stop(b, plan);
    await flush();
    expect(level.escalate()).toBe('term');
    await flush();
    expect((await pb).steps).toEqual(['stop', 'term']);
    const c = new FakeChild('c[3]', ['SIGTERM']);
    expect((await level.stop(c, plan)).steps).toEqual(['term']);
    expect(level.escalate()).toBe('kill');
    expect((await pa).steps).toEqual(['stop', 'term', 'kill']);
  });
});
