import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, notificationFor } from '../../../src/ops/notify.js';
import { listenDatagrams, type DatagramListener } from './datagram-listener.js';

let dir: string;
let listener: DatagramListener;
let socket: string;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-notify-'));
  socket = join(dir, 'notify.sock');
  listener = await listenDatagrams(socket);
});

afterEach(async () => {
  await listener.close();
  rmSync(dir, { recursive: true, force: true });
});

const notBarrier = (d: string): boolean => d !== 'BARRIER=1';

describe('systemd notifier', () => {
  it('delivers READY, STATUS, EXTEND_TIMEOUT_USEC and STOPPING in the order they were sent', async () => {
    const problems: string[] = [];
    const n = createNotifier({ env: { ...process.env, NOTIFY_SOCKET: socket }, onProblem: (p) => void problems.push(p) });
    expect(n.enabled).toBe(true);
    const sends = [
      n.send(notificationFor({ event: 'supervisor.running', supervisorPid: 1, stopHint: '' }) ?? []),
      n.send(notificationFor({ event: 'shutdown.begin', mode: 'graceful', trigger: 'SIGQUIT' }) ?? []),
      n.send(notificationFor({ event: 'shutdown.step', step: 'drain', detail: 'stopping services\nand events' }) ?? []),
      n.send(notificationFor({ event: 'shutdown.command-begin', entry: 'flush', timeoutMs: 120_000, budgetMs: 135_000 }) ?? []),
      n.send(['STATUS=last']),
    ];
    await Promise.all(sends);
    // Each send resolved after systemd-notify's barrier: the datagrams are all there already.
    expect(listener.datagrams.filter(notBarrier)).toEqual([
      'READY=1\\nSTATUS=running',
      'STOPPING=1\\nSTATUS=stopping (graceful, SIGQUIT)',
      'STATUS=stopping: drain: stopping services and events',
      'STATUS=stopping: SHUTDOWN flush\\nEXTEND_TIMEOUT_USEC=135000000',
      'STATUS=last',
    ]);
    expect(problems).toEqual([]);
  });

  it('does nothing without NOTIFY_SOCKET', async () => {
    const env = { ...process.env };
    delete env.NOTIFY_SOCKET;
    const n = createNotifier({ env, onProblem: () => expect.fail('no problem expected') });
    expect(n.enabled).toBe(false);
    await n.send(['READY=1']);
    expect(listener.datagrams).toEqual([]);
  });

  it('reports a missing systemd-notify once and then stays quiet', async () => {
    const problems: string[] = [];
    const n = createNotifier({ env: { ...process.env, NOTIFY_SOCKET: socket }, command: join(dir, 'no-such-systemd-notify'), onProblem: (p) => void problems.push(p) });
    await Promise.all([n.send(['READY=1']), n.send(['STATUS=x'])]);
    expect(problems).toEqual([`NOTIFY_SOCKET is set but ${join(dir, 'no-such-systemd-notify')} was not found; systemd will get no READY=1/STOPPING=1 from quiesce`]);
    expect(n.enabled).toBe(false);
  });

  it('maps only the events systemd cares about', () => {
    expect(notificationFor({ event: 'child.output', entry: 'imap', section: 'SERVICES', pid: 1, stream: 'stdout', line: 'x' })).toBeUndefined();
    expect(notificationFor({ event: 'shutdown.done', exitCode: 4, verdict: 'NOT safe', durationMs: 1, escalated: [], failedCommands: ['flush'] })).toEqual(['STATUS=stopped, exit code 4: NOT safe']);
  });
});
