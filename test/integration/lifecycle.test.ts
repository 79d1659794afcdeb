// START, the pidfile, reload and daemon restarts, end to end with the built CLI.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, ev, isAlive, readMarks, startQuiesce, tempDir, writeConfig } from './harness.js';

afterEach(cleanup);

describe('START', () => {
  it('runs START entries in order before anything else', async () => {
    const dir = tempDir();
    const env = `env: { MARKER: "{{DIR}}/marks" }`;
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
START:
  one: { cmd: "{{FIX}}/mark.mjs start-one", ${env} }
  two: { cmd: "{{FIX}}/mark.mjs start-two", ${env} }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", ${env} }
`);
    const q = startQuiesce(dir, file);
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready web');
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(readMarks(join(dir, 'marks')).map((m) => m.what).slice(0, 3)).toEqual(['start-one', 'start-two', 'web-start']);
  });

  it('stops startup and exits 1 when a START command fails, logging its stderr', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
START:
  recover: { cmd: "{{FIX}}/mark.mjs recover 3" }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    expect((await q.exited).code).toBe(1);
    const failed = q.logs.find(ev('start.failed', { entry: 'recover' }));
    expect(failed?.outcome).toBe('exit code 3');
    expect(failed?.stderrTail).toEqual(['recover failing on purpose']);
    expect(readMarks(join(dir, 'marks'))).toEqual([]);
  });
});

describe('pidfile', () => {
  it('refuses a second instance on the same pidfile with exit 75', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web" }
`);
    const first = startQuiesce(dir, file);
    await first.waitForLog(ev('supervisor.running'));
    const second = startQuiesce(dir, file);
    expect((await second.exited).code).toBe(75);
    expect(second.logs.find(ev('supervisor.exit'))?.reason).toMatch(/held by a running quiesce \(pid \d+\)/);
    expect(isAlive(first.pid)).toBe(true);
    first.kill('SIGQUIT');
    expect((await first.exited).code).toBe(0);
  });
});

describe('reload (SIGHUP)', () => {
  it('keeps the running config when the new file is broken', async () => {
    const dir = tempDir();
    const good = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web" }
`;
    const file = writeConfig(dir, good);
    const q = startQuiesce(dir, file);
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready web');
    writeConfig(dir, `${good}  bad: { cmd: "{{FIX}}/forever.mjs bad", prefork: -1 }\n`);
    q.kill('SIGHUP');
    const rejected = await q.waitForLog(ev('config.reload-rejected'));
    expect(rejected.diagnostics).toEqual([expect.stringMatching(/quiesce\.yaml:5:\d+: SERVICES\.bad\.prefork: /)]);
    const webPid = q.logs.find(ev('child.started', { entry: 'web' }))?.pid as number;
    expect(isAlive(webPid)).toBe(true);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(q.logs.filter(ev('child.started'))).toHaveLength(1);
  });

  it('applies a valid changed file as a diff: new entries start, removed ones stop, changed ones restart', async () => {
    const dir = tempDir();
    const env = `env: { MARKER: "{{DIR}}/marks" }`;
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  keep: { cmd: "{{FIX}}/forever.mjs keep", ${env} }
  gone: { cmd: "{{FIX}}/forever.mjs gone", ${env} }
  change: { cmd: "{{FIX}}/forever.mjs change-v1", ${env} }
`);
    const q = startQuiesce(dir, file);
    for (const n of ['keep', 'gone', 'change-v1']) await q.waitForLog((l) => l.event === 'child.output' && l.line === `ready ${n}`);
    writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  keep: { cmd: "{{FIX}}/forever.mjs keep", ${env} }
  change: { cmd: "{{FIX}}/forever.mjs change-v2", ${env} }
  added: { cmd: "{{FIX}}/forever.mjs added", ${env} }
`);
    q.kill('SIGHUP');
    const reloaded = await q.waitForLog(ev('config.reloaded'));
    expect(reloaded).toMatchObject({ added: ['added'], removed: ['gone'], changed: ['change'] });
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready added');
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready change-v2');
    await q.waitForLog(ev('child.exited', { entry: 'gone' }));
    await q.waitForLog((l) => l.event === 'child.exited' && l.entry === 'change' && l.expected === true);
    const keepPid = q.logs.find(ev('child.started', { entry: 'keep' }))?.pid as number;
    expect(q.logs.filter(ev('child.started', { entry: 'keep' }))).toHaveLength(1);
    expect(isAlive(keepPid)).toBe(true);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});

describe('DAEMON restarts', () => {
  it('restarts a daemon that dies, with a backoff, and after restart_give_up quick failures retries it every ready_fail_interval with an ERROR (Cyrus 3.12)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'placeholder'), '');
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", restart_delay: 10ms, restart_max_delay: 40ms, restart_give_up: 3, ready_fail_interval: 150ms }
DAEMON:
  flaky: { cmd: "{{FIX}}/mark.mjs flaky 1", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    const retrying = await q.waitForLog(ev('daemon.retrying', { entry: 'flaky' }));
    expect(retrying).toMatchObject({ failures: 3, everyMs: 150 });
    expect(retrying.msg).toMatch(/^ERROR: too many failures for DAEMON flaky/);
    await q.waitForLog(() => q.logs.filter(ev('daemon.restart-scheduled')).length >= 4, 'two retries');
    const delays = q.logs.filter(ev('daemon.restart-scheduled')).map((l) => l.delayMs);
    expect(delays.slice(0, 4)).toEqual([20, 40, 150, 150]);
    expect(q.logs.filter(ev('daemon.retrying'))).toHaveLength(1);
    expect(readMarks(join(dir, 'marks')).length).toBeGreaterThanOrEqual(4);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});
