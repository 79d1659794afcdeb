// No signal ends the supervisor: every catchable signal without a job is ignored, counted and
// logged once, in every phase, and a storm of them during a drain changes nothing about the stop.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTagged } from '../../../src/child/kill-tree.js';
import { STRAY_SIGNALS } from '../../../src/signals.js';
import { cleanup, cli, ev, isAlive, LAUNCHER, readMarks, startQuiesce, tempDir, writeConfig } from '../harness.js';

afterAll(cleanup);

const CONFIG = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 20s }
SERVICES:
  slow: { cmd: "{{FIX}}/forever.mjs slow", env: { STOP_DELAY_MS: "1500", MARKER: "{{DIR}}/marks" } }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync", env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush", env: { MARKER: "{{DIR}}/marks" } }
`;

/** Signals whose default does nothing or that Node ignores: sent in the storm too. */
const HARMLESS: NodeJS.Signals[] = ['SIGWINCH', 'SIGURG', 'SIGCONT', 'SIGCHLD', 'SIGPIPE', 'SIGXFSZ'];

describe('a storm of every catchable signal without a job, during a drain', () => {
  it('the stop ends as it would have (exit 0, no escalation), the SHUTDOWN command runs once, each signal is logged once', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, CONFIG);
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    q.kill('SIGQUIT');
    await q.waitForLog(ev('child.signalled', { entry: 'slow', signal: 'SIGQUIT' }));
    for (let round = 0; round < 25; round++) {
      for (const sig of [...STRAY_SIGNALS, ...HARMLESS, 'SIGHUP', 'SIGUSR1'] as NodeJS.Signals[]) process.kill(q.pid, sig);
      await new Promise((r) => setImmediate(r));
    }
    const { code } = await q.exited;
    expect(code).toBe(0);
    expect(readMarks(join(dir, 'marks')).filter((m) => m.what === 'flush')).toHaveLength(1);
    expect(q.logs.filter((l) => l.event === 'signal.ignored').map((l) => l.signal).sort()).toEqual([...STRAY_SIGNALS].sort());
    expect(q.logs.filter((l) => l.event === 'shutdown.escalate' || l.event === 'supervisor.error')).toEqual([]);
    expect(q.logs.find((l) => l.event === 'shutdown.done')).toMatchObject({ exitCode: 0, escalated: [] });
    expect(findTagged(`${q.pid}.`, true).filter(isAlive)).toEqual([]);
  });
});

describe('signals while running', () => {
  it('started through the quiesce command, the real-time signals are ignored too; status counts the stray ones', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, CONFIG);
    const q = startQuiesce(dir, file, undefined, {}, [LAUNCHER]);
    await q.waitForLog(ev('supervisor.running'));
    for (const n of [34, 40, 50, 64]) process.kill(q.pid, n);
    process.kill(q.pid, 'SIGUSR2');
    await q.waitForLog(ev('signal.ignored', { signal: 'SIGUSR2' }));
    // one at a time: the kernel keeps only one pending instance of a signal
    process.kill(q.pid, 'SIGUSR2');
    process.kill(q.pid, 'SIGALRM');
    await q.waitForLog(ev('signal.ignored', { signal: 'SIGALRM' }));
    const status = await cli(['status', '--json', '--socket', join(dir, 'q.sock')]);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out) as { ignoredSignals: Record<string, number>; phase: string };
    expect(s.phase).toBe('running');
    expect(s.ignoredSignals).toEqual({ SIGUSR2: 2, SIGALRM: 1 });
    expect((await cli(['status', '--socket', join(dir, 'q.sock')])).out).toContain('ignored signals: SIGUSR2 x2, SIGALRM x1');
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});

describe('the fatal path (an internal error, exit 70)', () => {
  it('stops every child (SIGTERM, then SIGKILL after 2 s), releases the pidfile and the control socket, and exits 70', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
DAEMON:
  stubborn: { cmd: "{{FIX}}/ignore-all.mjs stubborn", env: { MARKER: "{{DIR}}/marks" } }
  sync: { cmd: "{{FIX}}/forever.mjs sync", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file, undefined, { QUIESCE_FAILPOINT: 'reload' });
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready stubborn', 'stubborn');
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready sync', 'sync');
    q.kill('SIGHUP');
    const { code } = await q.exited;
    expect(code).toBe(70);
    expect(q.logs.find((l) => l.event === 'supervisor.error')?.message).toContain('QUIESCE_FAILPOINT=reload');
    expect(findTagged(`${q.pid}.`, true).filter(isAlive)).toEqual([]);
    const marks = readMarks(join(dir, 'marks')).map((m) => m.what);
    expect(marks).toContain('stubborn-ignored-SIGTERM');
    expect(marks).toContain('sync-got-SIGTERM');
    expect([existsSync(join(dir, 'q.pid')), existsSync(join(dir, 'q.sock'))]).toEqual([false, false]);
  });
});
