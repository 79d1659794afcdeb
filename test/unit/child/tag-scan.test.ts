// Shared /proc passes: one pass for every caller that asked before it started, never an older one.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { TAG_SCAN_DEFAULTS, TagScanner, type TagTable } from '../../../src/child/tag-scan.js';
import { flush } from './fake-child.js';

/** A pass that records when it started, takes `tookMs` of the manual clock, and returns `table`. */
function fakePass(clock: ManualClock, tookMs = 0, table: TagTable = new Map()) {
  const startedAt: number[] = [];
  const scan = (): TagTable => {
    startedAt.push(clock.now());
    clock.advance(tookMs);
    return table;
  };
  return { startedAt, scan };
}

describe('TagScanner', () => {
  it('gives every caller that asked before a pass started the same pass', async () => {
    const clock = new ManualClock();
    const { startedAt, scan } = fakePass(clock, 0, new Map([['t.1', [42]]]));
    const scanner = new TagScanner(clock, scan);
    const asks = Array.from({ length: 500 }, () => scanner.fresh());
    clock.advance(0);
    const tables = await Promise.all(asks);
    expect(startedAt).toEqual([0]);
    expect(tables.every((t) => t.get('t.1')?.[0] === 42)).toBe(true);
  });

  it('never answers with a pass that started before the call, and pauses after a pass in proportion to its length', async () => {
    const clock = new ManualClock();
    const { startedAt, scan } = fakePass(clock, 4);
    const scanner = new TagScanner(clock, scan);
    const first = scanner.fresh();
    clock.advance(0);
    await first;
    const second = scanner.fresh();
    expect(second).not.toBe(first);
    const pauseMs = 4 * TAG_SCAN_DEFAULTS.pauseFactor;
    clock.advance(pauseMs - 1);
    await flush();
    expect(startedAt).toEqual([0]);
    clock.advance(1);
    await second;
    expect(startedAt).toEqual([0, 4 + pauseMs]);
  });

  it('does not pause after a short pass', async () => {
    const clock = new ManualClock();
    const { startedAt, scan } = fakePass(clock, TAG_SCAN_DEFAULTS.noPauseBelowMs - 1);
    const scanner = new TagScanner(clock, scan);
    const first = scanner.fresh();
    clock.advance(0);
    await first;
    const second = scanner.fresh();
    clock.advance(0);
    await second;
    expect(startedAt).toEqual([0, TAG_SCAN_DEFAULTS.noPauseBelowMs - 1]);
  });

  it('bounds the pause when a pass seems to take long (the wall clock jumped forward)', async () => {
    const clock = new ManualClock();
    const { startedAt, scan } = fakePass(clock, 3_600_000);
    const scanner = new TagScanner(clock, scan);
    const first = scanner.fresh();
    clock.advance(0);
    await first;
    const second = scanner.fresh();
    clock.advance(TAG_SCAN_DEFAULTS.maxPauseMs);
    await second;
    expect(startedAt).toHaveLength(2);
  });

  it('skips the live children: a pid passed to lead() until leave()', async () => {
    const clock = new ManualClock();
    const skipped: number[][] = [];
    const scanner = new TagScanner(clock, (skip) => (skipped.push([...skip]), new Map()));
    scanner.lead(41);
    scanner.lead(42);
    const first = scanner.fresh();
    clock.advance(0);
    await first;
    scanner.leave(41);
    const second = scanner.fresh();
    clock.advance(TAG_SCAN_DEFAULTS.maxPauseMs);
    await second;
    expect(skipped).toEqual([[41, 42], [42]]);
  });
});
