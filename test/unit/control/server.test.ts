import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendControlRequest } from '../../../src/control/client.js';
import { escalateCommand, reloadCommand, statusCommand, stopCommand } from '../../../src/control/commands.js';
import { CONTROL_EXIT } from '../../../src/exit-codes.js';
import type { ControlReply } from '../../../src/control/protocol.js';
import { startControlServer, type ControlServer } from '../../../src/control/server.js';
import { supervisorSettings } from '../../../src/config/supervisor-settings.js';
import { fakeHost, type FakeHost } from './fake-host.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let dir: string;
let path: string;
let host: FakeHost;
let server: ControlServer | undefined;

function capture(): { out: string[]; err: string[]; io: { out: (t: string) => void; err: (t: string) => void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => void out.push(t), err: (t) => void err.push(t) } };
}

async function start(): Promise<ControlServer> {
  const r = await startControlServer(path, host);
  if (!r.ok) throw new Error(r.error);
  server = r.value;
  return r.value;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-control-'));
  chmodSync(dir, 0o755); // so the socket's own mode is what keeps other users out
  path = join(dir, 'cyrus.sock');
  host = fakeHost();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('control socket server', () => {
  it('creates the socket with mode 0600 and removes it on close', async () => {
    const s = await start();
    const st = statSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    await s.close();
    server = undefined;
    expect(existsSync(path)).toBe(false);
  });

  it('answers status with the host snapshot', async () => {
    await start();
    const replies: ControlReply[] = [];
    const r = await sendControlRequest(path, { request: 'status' }, (x) => void replies.push(x));
    expect(r.ok).toBe(true);
    expect(replies).toEqual([{ type: 'status', status: host.status() }]);
  });

  it('turns reload and escalate into supervisor events with a control: trigger; reload waits for what changed', async () => {
    await start();
    const c = capture();
    const reloading = reloadCommand(path, c.io);
    const reload = await host.nextDispatch();
    // A reload outcome published on the log bus is not this request's answer: only onOutcome is.
    host.publish({ event: 'config.reloaded', file: '/etc/q.yaml', generation: 2, added: ['not-this-one'], removed: [], changed: [], ignored: [], applying: [] });
    if (reload.kind !== 'reload') throw new Error(`dispatched ${reload.kind}`);
    reload.onOutcome?.({ event: 'config.reloaded', file: '/etc/q.yaml', generation: 3, added: ['extra'], removed: [], changed: ['imap'], ignored: ['SUPERVISOR pidfile (needs a restart)'], applying: [] });
    expect(await reloading).toBe(CONTROL_EXIT.ok);
    expect(host.listenerCount()).toBe(0);
    host.phase = 'draining';
    expect(await escalateCommand(path, c.io)).toBe(CONTROL_EXIT.ok);
    expect(host.dispatched.map((e) => ({ kind: e.kind, trigger: e.trigger }))).toEqual([
      { kind: 'reload', trigger: 'control:reload' },
      { kind: 'escalate', trigger: 'control:escalate' },
    ]);
    expect(c.out).toEqual([
      'quiesce: reloaded /etc/q.yaml (generation 3): added extra; removed none; changed imap',
      '  not applied until a restart: SUPERVISOR pidfile (needs a restart)',
      'quiesce: escalating (phase draining)',
    ]);
  });

  it('a rejected reload exits 78 with the new file\'s problems', async () => {
    await start();
    const c = capture();
    const reloading = reloadCommand(path, c.io);
    const reload = await host.nextDispatch();
    if (reload.kind !== 'reload') throw new Error(`dispatched ${reload.kind}`);
    reload.onOutcome?.({ event: 'config.reload-rejected', file: '/etc/q.yaml', generation: 4, diagnostics: ['/etc/q.yaml:3:5: DAEMON.x.cmd: required'] });
    expect(await reloading).toBe(78);
    expect(c.err).toEqual(['quiesce: reload rejected, still running generation 4 of /etc/q.yaml (the previous config):', '/etc/q.yaml:3:5: DAEMON.x.cmd: required']);
  });

  it('reports a request the current phase ignores with exit 75', async () => {
    await start();
    host.phase = 'draining';
    const c = capture();
    expect(await reloadCommand(path, c.io)).toBe(CONTROL_EXIT.ignored);
    expect(c.err.join('\n')).toContain('reload ignored in phase draining');
  });

  it('streams the shutdown progress of stop and exits with the instance exit code', async () => {
    await start();
    const c = capture();
    const stopping = stopCommand(path, { fast: true }, c.io);
    const event = await host.nextDispatch();
    expect(event).toEqual({ kind: 'shutdown', mode: 'fast', trigger: 'control:stop' });
    host.publish({ event: 'shutdown.begin', mode: 'fast', trigger: 'control:stop' });
    host.publish({ event: 'child.output', entry: 'imap', section: 'SERVICES', pid: 101, stream: 'stderr', line: 'noise' });
    host.publish({ event: 'shutdown.waiting', step: 'drain', count: 2, children: ['imap[101]', 'imap[102]'], escalation: 'term', nextEscalationInMs: 4200 });
    host.publish({ event: 'shutdown.command-begin', entry: 'flush', timeoutMs: 120_000, budgetMs: 135_000 });
    host.publish({ event: 'shutdown.command-done', entry: 'flush', outcome: 'exit code 1', ok: false, durationMs: 1500, stderrTail: ['sync_client: connection refused'] });
    host.finish(4, 'NOT safe to fail over: SHUTDOWN flush exit code 1');
    expect(await stopping).toBe(4);
    expect(c.out).toEqual([
      'quiesce: stopping',
      'fast shutdown started (control:stop)',
      '  still running (2): imap[101], imap[102]; SIGKILL in 4s',
      'running SHUTDOWN flush (timeout 2m00s)',
      'SHUTDOWN flush: exit code 1 after 1s\n  | sync_client: connection refused',
      'exit code 4: NOT safe to fail over: SHUTDOWN flush exit code 1',
    ]);
    expect(host.listenerCount()).toBe(0);
  });

  it('stop while already stopping escalates, as a second signal would', async () => {
    await start();
    host.phase = 'draining';
    const c = capture();
    const stopping = stopCommand(path, { fast: false }, c.io);
    await host.nextDispatch();
    host.finish(3, 'escalated');
    expect(await stopping).toBe(3);
    expect(c.out[0]).toContain('already stopping (phase draining): this escalates the stop');
  });

  it('unsubscribes when a stop client goes away', async () => {
    await start();
    const { connect } = await import('node:net');
    const sock = connect(path);
    sock.write('{"request":"stop"}\n');
    await host.nextDispatch();
    expect(host.listenerCount()).toBe(1);
    const unsubscribed = host.nextUnsubscribe();
    sock.destroy();
    await unsubscribed;
    expect(host.listenerCount()).toBe(0);
  });

  it('answers a malformed request with an error line', async () => {
    await start();
    const replies: ControlReply[] = [];
    const { connect } = await import('node:net');
    const sock = connect(path);
    sock.setEncoding('utf8');
    let text = '';
    sock.on('data', (d: string) => (text += d));
    sock.write('{"request":"format-disk"}\n');
    await new Promise((r) => sock.once('close', r));
    replies.push(JSON.parse(text) as ControlReply);
    expect(replies[0]).toMatchObject({ type: 'error' });
    expect(host.dispatched).toEqual([]);
  });

  it('replaces a stale socket file but refuses a live socket or a regular file', async () => {
    // A socket file whose server died without unlinking it (SIGKILLed).
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await new Promise((r) => child.once('exit', r));
    expect(statSync(path).isSocket()).toBe(true);
    await start();
    expect((await statusCommand(path, { json: true }, capture().io))).toBe(0);

    const second = await startControlServer(path, fakeHost());
    expect(second).toEqual({ ok: false, error: `control socket ${path} is in use: another quiesce answers on it` });

    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const third = await startControlServer(file, fakeHost());
    expect(third).toEqual({ ok: false, error: `${file} exists and is not a socket; not removing it` });
  });
});

describe('control commands without a running instance', () => {
  it('says no quiesce is running and exits 69', async () => {
    const c = capture();
    expect(await statusCommand(path, { json: false }, c.io)).toBe(CONTROL_EXIT.notRunning);
    expect(c.err).toEqual([`no quiesce is running here: control socket ${path} does not exist`]);
  });

  it.runIf(process.getuid?.() === 0)('names the socket and the reason when another user may not connect (needs root to switch to nobody)', async () => {
    await start();
    const script = `import(${JSON.stringify(join(ROOT, 'dist/control/commands.js'))}).then(async (m) => {
      const code = await m.statusCommand(${JSON.stringify(path)}, { json: false }, { out: (t) => process.stdout.write(t + '\\n'), err: (t) => process.stderr.write(t + '\\n') });
      process.exitCode = code;
    })`;
    const child = spawn('setpriv', ['--reuid', '65534', '--regid', '65534', '--clear-groups', '--', process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(stderr.trim()).toBe(`permission denied on control socket ${path} (owner uid 0, mode 0600; you are uid 65534): run this command as the user quiesce runs as, or as root`);
    expect(code).toBe(CONTROL_EXIT.noPermission);
    expect(host.dispatched).toEqual([]);
  });
});

describe('the default control socket, next to the pidfile', () => {
  it.each([
    ['/run/quiesce/cyrus.pid', '/run/quiesce/cyrus.sock'],
    ['/run/quiesce/cyrus', '/run/quiesce/cyrus.sock'],
    ['/var/run/a.b.pid', '/var/run/a.b.sock'],
  ])('%s -> %s', (pidfile, sock) => expect(supervisorSettings({ pidfile }, '/etc/quiesce/q.yaml', '/etc/quiesce').controlSocket).toBe(sock));
});
