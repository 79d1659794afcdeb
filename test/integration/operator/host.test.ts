// A real instance and its host: metrics over HTTP, systemd notify datagrams, the socket refusing
// another user, SIGKILL of quiesce itself, graceful_signal for containers.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, watch } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { freePort } from '../../e2e/harness/ports.js';
import { listenDatagrams, type DatagramListener } from '../ops/datagram-listener.js';
import { CLI, cleanup, cli, ev, isAlive, readMarks, startQuiesce, tempDir, writeConfig, type Quiesce } from '../harness.js';

let listener: DatagramListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
  await cleanup();
});

const ready = (q: Quiesce, name: string, count = 1) =>
  q.waitForLog(() => q.logs.filter((l) => l.event === 'child.output' && l.line === `ready ${name}`).length >= count, `${count} x ready ${name}`);

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

/** The value of one sample line `name{labels} value` of a Prometheus text page. */
function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operator surface of a real instance', () => {
  it('serves Prometheus metrics on 127.0.0.1: phase, processes, worker states, starts; 404 elsewhere', async () => {
    const dir = tempDir();
    const [metricsPort, servicePort] = [await freePort(), await freePort()];
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", metrics_port: ${metricsPort} }
SERVICES:
  echo: { cmd: "{{FIX}}/accept-reply.mjs", listen: "127.0.0.1:${servicePort}", prefork: 2 }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync" }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush" }
`);
    const q = startQuiesce(dir, file);
    expect(await q.waitForLog(ev('metrics.listening'))).toMatchObject({ address: `127.0.0.1:${metricsPort}` });
    await ready(q, 'sync');
    await q.waitForLog(() => q.logs.filter((l) => l.event === 'child.output' && l.entry === 'echo' && l.line === 'ready').length >= 2, '2 echo workers');
    const { status, body } = await get(metricsPort, '/metrics');
    expect(status).toBe(200);
    expect(sample(body, 'quiesce_phase{phase="running"}')).toBe(1);
    expect(sample(body, 'quiesce_phase{phase="draining"}')).toBe(0);
    expect(sample(body, 'quiesce_unit_processes{entry="echo",section="SERVICES"}')).toBe(2);
    expect(sample(body, 'quiesce_unit_processes{entry="sync",section="DAEMON"}')).toBe(1);
    expect(sample(body, 'quiesce_child_starts_total{entry="echo",section="SERVICES"}')).toBe(2);
    expect(body).toMatch(/^quiesce_service_workers\{service="echo",state="(ready|busy)"\} \d+$/m);
    expect(sample(body, 'quiesce_uptime_seconds')).toBeGreaterThan(0);
    expect((await get(metricsPort, '/nothing')).status).toBe(404);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('tells systemd READY=1 once running, STOPPING=1 and each step while stopping, and extends the stop timeout for a SHUTDOWN command', async () => {
    const dir = tempDir();
    const socket = join(dir, 'notify.sock');
    listener = await listenDatagrams(socket);
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web" }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush", timeout: 30s }
`);
    const q = startQuiesce(dir, file, undefined, { NOTIFY_SOCKET: socket });
    await listener.waitFor((d) => d.startsWith('READY=1'));
    await ready(q, 'web');
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    const got = listener.datagrams.filter((d) => d !== 'BARRIER=1');
    expect(got[0]).toBe('READY=1\\nSTATUS=running');
    const stopping = got.findIndex((d) => d.startsWith('STOPPING=1'));
    expect(got[stopping]).toBe('STOPPING=1\\nSTATUS=stopping (graceful, SIGQUIT)');
    const rest = got.slice(stopping + 1);
    expect(rest).toContain('STATUS=stopping: drain: stopping services and events: web');
    // 30 s of command timeout plus the escalation margin, in microseconds
    expect(rest).toContainEqual(expect.stringMatching(/^STATUS=stopping: SHUTDOWN flush\\nEXTEND_TIMEOUT_USEC=\d{8}$/));
    expect(rest[rest.length - 1]).toMatch(/^STATUS=stopped, exit code 0: /);
  });

  it.runIf(process.getuid?.() === 0)('refuses another user on the control socket (mode 0600): exit 77 naming the socket', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755); // the socket's own mode is what keeps nobody out
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync" }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'sync');
    const asNobody = spawn('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', process.execPath, CLI, 'stop', '--socket', join(dir, 'q.sock')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    asNobody.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const [code] = (await once(asNobody, 'exit')) as [number];
    expect(code).toBe(77);
    expect(stderr).toContain(join(dir, 'q.sock'));
    expect(stderr).toMatch(/permission/i);
    expect((await cli(['status', '--json', '-c', file])).code).toBe(0); // still running, untouched
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('graceful_signal: SIGTERM means the graceful path (what container runtimes send)', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", graceful_signal: SIGTERM }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", env: { MARKER: "{{DIR}}/marks" } }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'web');
    q.kill('SIGTERM');
    expect((await q.exited).code).toBe(0);
    expect(await q.waitForLog(ev('shutdown.begin'))).toMatchObject({ mode: 'graceful', trigger: 'SIGTERM' });
    expect(readMarks(join(dir, 'marks')).map((m) => m.what)).toEqual(['web-start', 'web-got-SIGQUIT', 'web-exit']);
  });
});

describe('when quiesce itself is SIGKILLed', () => {
  it('its children get SIGTERM (pdeathsig); one that ignores it is found and reported by the next start', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 200ms, term_timeout: 200ms }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync", env: { MARKER: "{{DIR}}/marks" } }
  stubborn: { cmd: "{{FIX}}/ignore-all.mjs stubborn", env: { MARKER: "{{DIR}}/marks" } }
`);
    const first = startQuiesce(dir, file);
    await ready(first, 'sync');
    await ready(first, 'stubborn');
    const pids = Object.fromEntries(first.logs.filter(ev('child.started')).map((l) => [l.entry as string, l.pid as number]));
    process.kill(first.pid, 'SIGKILL'); // quiesce alone, not its group
    expect((await first.exited).signal).toBe('SIGKILL');
    // sync heard SIGTERM from the kernel and left; it marks its exit last thing
    await waitForMark(join(dir, 'marks'), 'sync-exit');
    expect(readMarks(join(dir, 'marks')).map((m) => m.what)).toContain('sync-got-SIGTERM');
    expect(isAlive(pids.stubborn ?? -1)).toBe(true);

    const second = startQuiesce(dir, file);
    const found = await second.waitForLog(ev('leftovers.found'));
    // sync marks its exit just before it exits: it may be seen on its way out, nothing else may
    const leftPids = found.pids as number[];
    expect(leftPids).toContain(pids.stubborn);
    expect(leftPids.filter((p) => p !== pids.stubborn && p !== pids.sync)).toEqual([]);
    expect((found.cmdlines as string[])[leftPids.indexOf(pids.stubborn ?? -1)]).toContain('ignore-all.mjs stubborn');
    await ready(second, 'stubborn');
    second.kill('SIGQUIT');
    await second.exited;
  });
});

/** Resolves once the marker file has a `what` line (fixtures append; a watcher wakes us). */
async function waitForMark(file: string, what: string): Promise<void> {
  const has = () => readMarks(file).some((m) => m.what === what);
  if (has()) return;
  await new Promise<void>((resolve) => {
    const w = watch(dirname(file), () => {
      if (!has()) return;
      w.close();
      resolve();
    });
    if (has()) {
      w.close();
      resolve();
    }
  });
}
