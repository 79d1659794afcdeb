// Reloads are a queue of intentions: a request is answered by a reload that started after it.
import { describe, expect, it } from 'vitest';
import { ReloadQueue, type ReloadOutcome } from '../../../src/supervisor/reload-queue.js';

/** A reload that waits until the test lets it finish; each run gets the next generation. */
function controlledReload() {
  const runs: { generation: number; finish: () => void }[] = [];
  let generation = 1;
  const reload = (): Promise<ReloadOutcome> => {
    generation += 1;
    const g = generation;
    return new Promise((resolve) => runs.push({ generation: g, finish: () => resolve({ event: 'config.reloaded', file: 'f', generation: g, added: [], removed: [], changed: [], ignored: [], applying: [] }) }));
  };
  return { reload, runs };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('reload queue', () => {
  it('serves a request that arrives during a reload with the next reload, not the running one', async () => {
    const { reload, runs } = controlledReload();
    const q = new ReloadQueue(reload);
    const heard: [string, number | undefined][] = [];
    q.request((o) => heard.push(['first', o?.generation]));
    await tick();
    q.request((o) => heard.push(['second', o?.generation]));
    runs[0]?.finish();
    await tick();
    expect(heard).toEqual([['first', 2]]);
    runs[1]?.finish();
    await q.idle();
    expect(heard).toEqual([['first', 2], ['second', 3]]);
  });

  it('coalesces a storm of requests into one more reload (the first starts one at once, the rest share the next)', async () => {
    const { reload, runs } = controlledReload();
    const q = new ReloadQueue(reload);
    const heard: number[] = [];
    for (let i = 0; i < 50; i++) q.request((o) => heard.push(o?.generation ?? -1));
    await tick();
    for (let i = 0; i < 50; i++) q.request((o) => heard.push(o?.generation ?? -1));
    runs[0]?.finish();
    await tick();
    runs[1]?.finish();
    await q.idle();
    expect(runs).toHaveLength(2);
    expect(heard).toEqual([2, ...Array<number>(99).fill(3)]);
    expect(q.busy).toBe(false);
  });

  it('is busy from a request until its reload answered', async () => {
    const { reload, runs } = controlledReload();
    const q = new ReloadQueue(reload);
    expect(q.busy).toBe(false);
    q.request();
    expect(q.busy).toBe(true);
    await tick();
    runs[0]?.finish();
    await q.idle();
    expect(q.busy).toBe(false);
  });
});
