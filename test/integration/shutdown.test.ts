// The shutdown sequence, end to end with the built CLI and small fixture programs.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, ev, isAlive, readMarks, startQuiesce, tempDir, writeConfig, type Quiesce } from './harness.js';

afterEach(cleanup);

const ready = (q: Quiesce, name: string, count = 1) =>
  q.waitForLog(() => q.logs.filter((l) => l.event === 'child.output' && l.line === `ready ${name}`).length >= count, `${count} x ready ${name}`);
const pidsOf = (q: Quiesce) => q.logs.filter(ev('child.started')).map((l) => l.pid as number);

describe('graceful shutdown (SIGQUIT)', () => {
  it('stops children that exit on SIGQUIT, then runs SHUTDOWN commands in order, and exits 0', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 5s, term_timeout: 2s }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", prefork: 2, env: { MARKER: "{{DIR}}/marks", STOP_DELAY_MS: "200" } }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync", env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  first: { cmd: "{{FIX}}/mark.mjs shutdown-first", env: { MARKER: "{{DIR}}/marks" } }
  second: { cmd: "{{FIX}}/mark.mjs shutdown-second", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'web', 2);
    await ready(q, 'sync');
    q.kill('SIGQUIT');
    const { code } = await q.exited;
    expect(code).toBe(0);
    const marks = readMarks(join(dir, 'marks'));
    const at = (what: string) => marks.filter((m) => m.what === what).map((m) => m.at);
    expect(at('web-exit')).toHaveLength(2);
    expect(at('sync-exit')).toHaveLength(1);
    const lastChildExit = Math.max(...at('web-exit'), ...at('sync-exit'));
    expect(at('shutdown-first')[0]).toBeGreaterThanOrEqual(lastChildExit);
    expect(at('shutdown-second')[0]).toBeGreaterThanOrEqual(at('shutdown-first')[0]!);
    // the daemon was asked to stop only after the services were gone
    expect(at('sync-got-SIGQUIT')[0]).toBeGreaterThanOrEqual(Math.max(...at('web-exit')));
    for (const pid of pidsOf(q)) expect(isAlive(pid)).toBe(false);
    const done = await q.waitForLog(ev('shutdown.done'));
    expect(done.exitCode).toBe(0);
  });

  it('sends SIGTERM after quit_timeout to a child that ignores SIGQUIT, SIGKILL after term_timeout to one that ignores both, and exits 3', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 300ms, term_timeout: 300ms }
SERVICES:
  crazy: { cmd: "{{FIX}}/ignore-sigquit.mjs crazy", env: { MARKER: "{{DIR}}/marks" } }
  stubborn: { cmd: "{{FIX}}/ignore-all.mjs stubborn", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'crazy');
    await ready(q, 'stubborn');
    q.kill('SIGQUIT');
    const { code } = await q.exited;
    expect(code).toBe(3);
    const whats = readMarks(join(dir, 'marks')).map((m) => m.what);
    expect(whats).toEqual(expect.arrayContaining(['crazy-ignored-SIGQUIT', 'crazy-exit-on-SIGTERM', 'stubborn-ignored-SIGQUIT', 'stubborn-ignored-SIGTERM']));
    const exits = q.logs.filter(ev('child.exited'));
    expect(exits.find((l) => l.entry === 'stubborn')?.signal).toBe('SIGKILL');
    expect(exits.find((l) => l.entry === 'crazy')?.code).toBe(0);
    const done = await q.waitForLog(ev('shutdown.done'));
    // bounded by the timeouts: at least quit+term, and not much more
    expect(done.durationMs).toBeGreaterThanOrEqual(600);
    expect(done.durationMs).toBeLessThan(600 + 3_000);
    expect(done.escalated).toEqual(expect.arrayContaining([expect.stringMatching(/^crazy\[/), expect.stringMatching(/^stubborn\[/)]));
    for (const pid of pidsOf(q)) expect(isAlive(pid)).toBe(false);
  });

  it('finds and stops grandchildren that called setsid', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 300ms, term_timeout: 300ms }
SERVICES:
  parent: { cmd: "{{FIX}}/spawn-grandchildren.mjs 3", env: { PIDS_FILE: "{{DIR}}/gc.pids" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'spawn-grandchildren');
    const grandchildren = readFileSync(join(dir, 'gc.pids'), 'utf8').trim().split('\n').map(Number);
    expect(grandchildren).toHaveLength(3);
    for (const pid of grandchildren) expect(isAlive(pid)).toBe(true);
    q.kill('SIGQUIT');
    await q.exited;
    for (const pid of grandchildren) expect(isAlive(pid)).toBe(false);
    const signalled = q.logs.filter(ev('child.signalled', { entry: 'parent' }));
    expect(signalled.some((l) => (l.stragglers as number) === 3)).toBe(true);
  });

  it('stops DAEMON entries after the services, one at a time in reverse file order', async () => {
    const dir = tempDir();
    const env = `env: { MARKER: "{{DIR}}/marks", STOP_DELAY_MS: "100" }`;
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  svc: { cmd: "{{FIX}}/forever.mjs svc", ${env} }
DAEMON:
  d1: { cmd: "{{FIX}}/forever.mjs d1", ${env} }
  d2: { cmd: "{{FIX}}/forever.mjs d2", ${env} }
  d3: { cmd: "{{FIX}}/forever.mjs d3", ${env} }
`);
    const q = startQuiesce(dir, file);
    for (const n of ['svc', 'd1', 'd2', 'd3']) await ready(q, n);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    const marks = readMarks(join(dir, 'marks'));
    const at = (what: string) => marks.find((m) => m.what === what)?.at ?? NaN;
    expect(at('d3-got-SIGQUIT')).toBeGreaterThanOrEqual(at('svc-exit'));
    expect(at('d2-got-SIGQUIT')).toBeGreaterThanOrEqual(at('d3-exit'));
    expect(at('d1-got-SIGQUIT')).toBeGreaterThanOrEqual(at('d2-exit'));
  });
});

describe('SHUTDOWN commands', () => {
  it('kills a command that hangs at its timeout, still runs the next one, and exits 4', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 200ms, term_timeout: 200ms }
SHUTDOWN:
  stuck: { cmd: "{{FIX}}/hang.mjs stuck", timeout: 300ms, env: { MARKER: "{{DIR}}/marks" } }
  after: { cmd: "{{FIX}}/mark.mjs after", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(4);
    const whats = readMarks(join(dir, 'marks')).map((m) => m.what);
    expect(whats).toEqual(['stuck-start', 'stuck-ignored-SIGQUIT', 'after']);
    const stuck = q.logs.find(ev('shutdown.command-done', { entry: 'stuck' }));
    expect(stuck?.ok).toBe(false);
    expect(stuck?.outcome).toMatch(/^timed out after 300 ms, then killed by SIGTERM/);
    expect(q.logs.find(ev('shutdown.command-done', { entry: 'after' }))?.ok).toBe(true);
  });

  it('exits 4 when a SHUTDOWN command exits non-zero, and logs its stderr', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush 2" }
`);
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(4);
    const done = q.logs.find(ev('shutdown.command-done', { entry: 'flush' }));
    expect(done?.outcome).toBe('exit code 2');
    expect(done?.stderrTail).toEqual(['flush failing on purpose']);
  });
});

describe('second shutdown signal', () => {
  it('skips one step ahead each time: stop signal -> SIGTERM -> SIGKILL', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 10m, term_timeout: 10m }
SERVICES:
  stubborn: { cmd: "{{FIX}}/ignore-all.mjs stubborn", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'stubborn');
    q.kill('SIGQUIT');
    await q.waitForLog(ev('child.signalled', { step: 'stop' }));
    q.kill('SIGQUIT');
    await q.waitForLog(ev('child.signalled', { step: 'term' }));
    q.kill('SIGTERM');
    await q.waitForLog(ev('child.signalled', { step: 'kill' }));
    expect((await q.exited).code).toBe(3);
  });

  it('during SHUTDOWN commands kills the running one, skips the rest, and exits 4', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SHUTDOWN:
  slow: { cmd: "{{FIX}}/hang.mjs slow", timeout: 10m }
  never: { cmd: "{{FIX}}/mark.mjs never", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    q.kill('SIGQUIT');
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready slow');
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(4);
    expect(q.logs.find(ev('shutdown.command-done', { entry: 'slow' }))?.outcome).toBe('interrupted, killed by SIGKILL');
    expect(q.logs.find(ev('shutdown.command-skipped', { entry: 'never' }))).toBeDefined();
    expect(readMarks(join(dir, 'marks'))).toEqual([]);
  });
});

describe('fast shutdown (SIGTERM)', () => {
  it('sends SIGTERM at once and still runs the SHUTDOWN commands', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 10m }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'web');
    q.kill('SIGTERM');
    expect((await q.exited).code).toBe(0);
    expect(readMarks(join(dir, 'marks')).map((m) => m.what)).toEqual(['web-start', 'web-got-SIGTERM', 'web-exit', 'flush']);
  });
});
