// A broken file on reload never stops anything: the old config keeps running and the rejection is
// logged and returned. A storm of reloads, broken and valid, while a DAEMON takes seconds to stop,
// ends with the last valid file running.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTagged } from '../../../src/child/kill-tree.js';
import { cleanup, cli, ev, isAlive, startQuiesce, tempDir, writeConfig, type Quiesce } from '../harness.js';

afterAll(cleanup);

const VALID = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", restart_delay: 100ms }
SERVICES:
  echo: { cmd: "{{FIX}}/accept-reply.mjs", listen: "{{DIR}}/echo.sock", prefork: 2 }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync-v1" }
`;

interface Status { generation: number; applying: string[]; units: { name: string; pids: number[]; state: string }[] }

async function status(dir: string): Promise<Status> {
  const r = await cli(['status', '--json', '--socket', join(dir, 'q.sock')]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Status;
}

const pidsOf = (s: Status): Record<string, number[]> => Object.fromEntries(s.units.map((u) => [u.name, [...u.pids].sort()]));

async function running(): Promise<{ dir: string; file: string; q: Quiesce }> {
  const dir = tempDir();
  const file = writeConfig(dir, VALID);
  const q = startQuiesce(dir, file);
  await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready sync-v1', 'the daemon');
  await q.waitForLog((l) => l.event === 'child.output' && l.entry === 'echo' && l.line === 'ready', 'a worker');
  return { dir, file, q };
}

describe('reload with a broken file keeps everything running', () => {
  it.each<[string, (text: string) => string, RegExp]>([
    ['an alias typo', (t) => t.replace('sync: {', 'sync: *syncc\n  other: {'), /alias `\*syncc` refers to no anchor/],
    ['a truncated (empty) file', () => '', /nothing to supervise/],
    ['a file cut in the middle of a quoted string', (t) => t.slice(0, t.indexOf('sync-v1')), /quoted string is never closed/],
    ['a NUL byte in an env value', (t) => t.replace('sync-v1" }', 'sync-v1", env: { X: "a\\0b" } }'), /DAEMON\.sync\.env\.X: contains a NUL character/],
    ['a NUL byte in the file itself', (t) => `${t}\0\n`, /not a text file: a NUL byte/],
  ])('%s: quiesce reload exits 78 with the problem, nothing is stopped, the old config runs', async (_, breakIt, problem) => {
    const { dir, file, q } = await running();
    const before = await status(dir);
    writeFileSync(file, breakIt(readFileSync(file, 'utf8')));
    const r = await cli(['reload', '-c', file, '--socket', join(dir, 'q.sock')]);
    expect(r.code).toBe(78);
    expect(r.err).toMatch(problem);
    expect(r.err).toContain('still running generation 1');
    const rejected = await q.waitForLog(ev('config.reload-rejected'));
    expect((rejected.diagnostics as string[]).join('\n')).toMatch(problem);
    // a SIGHUP with the same file: the same, and the instance is still there to answer
    q.kill('SIGHUP');
    await q.waitForLog((l) => l.event === 'config.reload-rejected' && l !== rejected, 'the second rejection');
    const after = await status(dir);
    expect(pidsOf(after)).toEqual(pidsOf(before));
    expect(after.generation).toBe(1);
    expect(q.logs.filter((l) => l.event === 'child.exited' || l.event === 'child.signalled')).toEqual([]);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});

describe('a reload storm', () => {
  it('broken and valid files alternating while the DAEMON takes 1.5 s to stop: the last valid file runs, then a clean stop', async () => {
    const dir = tempDir();
    const template = (v: string): string => VALID.replace('sync-v1" }', `sync-${v}", env: { STOP_DELAY_MS: "1500" } }`);
    const file = writeConfig(dir, template('v0'));
    const q = startQuiesce(dir, file);
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'ready sync-v0', 'the daemon');
    const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${q.pid}/status`, 'utf8'))?.[1]) * 1024;
    const rssBefore = rss();
    const ROUNDS = 40;
    for (let i = 1; i <= ROUNDS; i++) {
      writeConfig(dir, i % 3 === 0 ? `${template(`v${i}`)}\nbroken: [` : template(`v${i}`));
      q.kill('SIGHUP');
      // let the supervisor take the signal before the file changes again (no sleep: one turn of the event loop here)
      await new Promise((r) => setImmediate(r));
    }
    const last = `v${ROUNDS + 1}`;
    writeConfig(dir, template(last));
    const answer = await cli(['reload', '-c', file]);
    expect(answer.code, answer.err).toBe(0);
    await q.waitForLog((l) => l.event === 'child.output' && l.line === `ready sync-${last}`, `the daemon of ${last}`);
    // Everything applied: nothing pending, exactly one sync process, and it runs the last command.
    const s = await status(dir);
    expect(s.applying).toEqual([]);
    const sync = s.units.find((u) => u.name === 'sync');
    expect(sync?.pids).toHaveLength(1);
    expect(readFileSync(`/proc/${sync?.pids[0] ?? 0}/cmdline`, 'utf8')).toContain(`sync-${last}`);
    const syncProcs = findTagged(`${q.pid}.`, true).filter((p) => isAlive(p) && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('forever.mjs'));
    expect(syncProcs).toHaveLength(1);
    expect(q.logs.filter((l) => l.event === 'supervisor.error')).toEqual([]);
    // memory back near where it started (a leak per reload would show over 40 of them)
    expect(rss()).toBeLessThan(rssBefore * 1.5 + 20 * 1024 * 1024);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(findTagged(`${q.pid}.`, true).filter(isAlive)).toEqual([]);
  });
});
