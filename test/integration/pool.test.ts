// SERVICES pools with a socket, with a fixture worker: the repeated-failure rule, refilling after
// idle workers are killed, maxforkrate, babysit, maxfds.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../e2e/harness/ports.js';
import { cleanup, cli, ev, startQuiesce, tempDir, writeConfig, type LogLine, type Quiesce } from './harness.js';
import { ask } from './ask.js';

afterEach(cleanup);

const started = (q: Quiesce, entry: string): LogLine[] => q.logs.filter(ev('child.started', { entry }));
const readyLines = (q: Quiesce, entry: string, count: number) =>
  q.waitForLog(() => q.logs.filter((l) => l.event === 'child.output' && l.entry === entry && l.line === 'ready').length >= count, `${count} ready ${entry}`);

async function service(extra: string, supervisor = ''): Promise<{ dir: string; file: string; port: number; q: Quiesce }> {
  const dir = tempDir();
  const port = await freePort();
  const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 2s, term_timeout: 1s${supervisor} }
SERVICES:
  pop: { cmd: "{{FIX}}/fail-if.mjs", listen: "127.0.0.1:${port}", env: { FAIL_IF: "{{DIR}}/broken" }, ${extra} }
`);
  return { dir, file, port, q: startQuiesce(dir, file) };
}

describe('the repeated-failure rule', () => {
  it('disables a service whose workers keep failing at start, loudly, closes its socket, and a reload enables it again', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken'), '');
    const port = await freePort();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", ready_fail_limit: 3, ready_fail_interval: 30s }
SERVICES:
  pop: { cmd: "{{FIX}}/fail-if.mjs", listen: "127.0.0.1:${port}", prefork: 1, env: { FAIL_IF: "{{DIR}}/broken" } }
`);
    const q = startQuiesce(dir, file);
    const disabled = await q.waitForLog(ev('service.disabled', { entry: 'pop' }));
    expect(disabled.level).toBe(50); // error
    expect(disabled.reason).toBe('3 workers failed before taking a connection, each within 30000 ms of the previous');
    expect(started(q, 'pop')).toHaveLength(3);
    expect(q.logs.filter((l) => l.event === 'child.output' && l.line === 'fatal: cannot start')).toHaveLength(3);
    await q.waitForLog(ev('service.closed', { entry: 'pop' }));
    await expect(ask(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const status = JSON.parse((await cli(['status', '--json', '-c', file])).out) as { units: { name: string; state: string }[] };
    expect(status.units.find((u) => u.name === 'pop')?.state).toMatch(/^disabled: 3 workers failed/);

    rmSync(join(dir, 'broken'));
    expect((await cli(['reload', '-c', file])).code).toBe(0);
    await readyLines(q, 'pop', 1);
    expect(Number(await ask(port))).toBe(started(q, 'pop').at(-1)?.pid);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('refills the pool when every idle worker is SIGKILLed at once (Cyrus would disable the service)', async () => {
    const { port, q } = await service('prefork: 5', ', ready_fail_limit: 3');
    await readyLines(q, 'pop', 5);
    const first = started(q, 'pop').map((l) => l.pid as number);
    for (const pid of first) process.kill(pid, 'SIGKILL');
    await readyLines(q, 'pop', 10);
    expect(q.logs.find(ev('service.disabled'))).toBeUndefined();
    const fresh = started(q, 'pop').slice(5).map((l) => l.pid as number);
    expect(fresh).toHaveLength(5);
    expect(fresh).toContain(Number(await ask(port)));
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});

describe('pool limits', () => {
  it('maxforkrate spreads starts: with 2 per second the 3rd worker starts a second after the 1st', async () => {
    const { q } = await service('prefork: 4, maxforkrate: 2');
    await readyLines(q, 'pop', 4);
    const at = started(q, 'pop').map((l) => Date.parse(l.time ?? ''));
    expect(at).toHaveLength(4);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(950); // log times have ms resolution
    expect(at[3]! - at[1]!).toBeGreaterThanOrEqual(950);
    q.kill('SIGQUIT');
    await q.exited;
  });

  it('babysit keeps one worker running with prefork 0, before any client comes', async () => {
    const { port, q } = await service('prefork: 0, babysit: true');
    await readyLines(q, 'pop', 1);
    expect(Number(await ask(port))).toBe(started(q, 'pop')[0]?.pid);
    q.kill('SIGQUIT');
    await q.exited;
  });

  it('maxfds sets the workers\' open-file limit', async () => {
    // not the Node fixture: Node raises its own soft limit to the hard one at startup (Cyrus programs do not)
    const dir = tempDir();
    const port = await freePort();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 2s, term_timeout: 1s }
SERVICES:
  pop: { cmd: "/bin/sleep 1000", listen: "127.0.0.1:${port}", prefork: 1, maxfds: 321 }
`);
    const q = startQuiesce(dir, file);
    const { pid } = await q.waitForLog(ev('child.started', { entry: 'pop' }));
    // the worker is the same process through setpriv and prlimit (both exec): wait for the exec of sleep
    await new Promise<void>((resolve) => {
      const check = () => (readFileSync(`/proc/${pid as number}/cmdline`, 'utf8').startsWith('/bin/sleep') ? resolve() : setImmediate(check));
      check();
    });
    expect(readFileSync(`/proc/${pid as number}/limits`, 'utf8')).toMatch(/^Max open files\s+321\s+/m);
    q.kill('SIGQUIT');
    await q.exited;
  });
});
