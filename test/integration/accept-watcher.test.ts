import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AcceptWatcher } from '../../src/service/accept-watcher.js';
import { bindListener, type BoundListener, type StreamListener } from '../../src/service/listener.js';
import { freePort } from '../e2e/harness/ports.js';
import { isGone, lineFrom, stopChildren } from '../e2e/harness/process.js';
import { ask } from './ask.js';

const ACCEPT_REPLY = fileURLToPath(new URL('../fixtures/bin/accept-reply.mjs', import.meta.url));

const children: ChildProcess[] = [];
const watchers: AcceptWatcher[] = [];
const listeners: BoundListener[] = [];

afterEach(async () => {
  await Promise.all(watchers.splice(0).map((w) => w.close()));
  await stopChildren(children.splice(0));
  for (const l of listeners.splice(0)) l.close();
});

async function listenerOnFreePort(): Promise<{ listener: StreamListener; port: number }> {
  const port = await freePort();
  const r = await bindListener('imap', { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
  if (!r.ok) throw new Error(r.error);
  if (r.value.datagram) throw new Error('expected a stream socket');
  listeners.push(r.value);
  return { listener: r.value, port };
}

/** A watcher whose reports can be awaited one by one. */
function watch(listener: StreamListener): { watcher: AcceptWatcher; nextReady: () => Promise<void> } {
  const waiting: (() => void)[] = [];
  let unclaimed = 0;
  const watcher = new AcceptWatcher({
    listenFd: listener.fd,
    onReady: () => {
      const w = waiting.shift();
      if (w) w();
      else unclaimed++;
    },
  });
  watchers.push(watcher);
  const nextReady = () =>
    new Promise<void>((resolve) => {
      if (unclaimed > 0) {
        unclaimed--;
        resolve();
      } else waiting.push(resolve);
    });
  return { watcher, nextReady };
}

async function startAcceptor(listener: StreamListener): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ACCEPT_REPLY], { stdio: ['ignore', 'inherit', 'pipe', 'ignore', listener.fd], detached: true });
  children.push(child);
  await lineFrom(child, /^ready$/, 10_000, 'stderr');
  return child;
}

describe('AcceptWatcher', () => {
  it('reports a waiting client and leaves the connection in the backlog for a worker started afterwards', async () => {
    const { listener, port } = await listenerOnFreePort();
    const { watcher, nextReady } = watch(listener);
    watcher.start();
    const reply = ask(port);
    await nextReady();
    const worker = await startAcceptor(listener);
    expect(await reply).toBe(String(worker.pid));
  });

  it('reports again after rearm, once per arming', async () => {
    const { listener, port } = await listenerOnFreePort();
    const { watcher, nextReady } = watch(listener);
    watcher.start();
    const first = ask(port);
    await nextReady();
    const worker = await startAcceptor(listener);
    expect(await first).toBe(String(worker.pid));
    await stopChildren([worker]);

    watcher.rearm();
    const second = ask(port);
    await nextReady();
    const next = await startAcceptor(listener);
    expect(await second).toBe(String(next.pid));
  });

  it('reports at once when re-armed while the client still waits (level-triggered)', async () => {
    const { listener, port } = await listenerOnFreePort();
    const { watcher, nextReady } = watch(listener);
    watcher.start();
    const reply = ask(port);
    await nextReady();
    watcher.rearm();
    await nextReady();
    const worker = await startAcceptor(listener);
    expect(await reply).toBe(String(worker.pid));
  });

  it('runs a small helper that exits when closed', async () => {
    const { listener } = await listenerOnFreePort();
    const { watcher } = watch(listener);
    watcher.start();
    const pid = watcher.pid as number;
    // the helper has the listener on its fd 4 (it may take a moment to exec perl)
    await expect.poll(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toMatch(/^quiesce-accept-watcher/);
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    console.log(`accept watcher RSS: ${rssKb} kB`);
    expect(rssKb).toBeLessThan(20_000);
    await watcher.close();
    expect(isGone(pid)).toBe(true);
  });

  it('tells its owner when the helper dies unexpectedly', async () => {
    const { listener } = await listenerOnFreePort();
    const why = new Promise<string>((resolve) => {
      const watcher = new AcceptWatcher({ listenFd: listener.fd, onReady: () => undefined, onExit: resolve, perl: '/nonexistent/perl' });
      watchers.push(watcher);
      watcher.start();
    });
    expect(await why).toMatch(/ENOENT/);
  });
});
