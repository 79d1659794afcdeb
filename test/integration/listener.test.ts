import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bindListener, type BoundListener, type StreamListener } from '../../src/service/listener.js';
import { freePort } from '../e2e/harness/ports.js';
import { lineFrom, stopChildren } from '../e2e/harness/process.js';
import { ask } from './ask.js';
import { ROOT, waitForFile } from './harness.js';

const ACCEPT_REPLY = fileURLToPath(new URL('../fixtures/bin/accept-reply.mjs', import.meta.url));

const children: ChildProcess[] = [];
const listeners: BoundListener[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await stopChildren(children.splice(0));
  for (const l of listeners.splice(0)) l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function mustBind(...args: Parameters<typeof bindListener>): Promise<StreamListener> {
  const r = await bindListener(...args);
  if (!r.ok) throw new Error(r.error);
  if (r.value.datagram) throw new Error('expected a stream socket');
  listeners.push(r.value);
  return r.value;
}

/** Starts the fixture with the listener as its fd 4 and waits until it listens. */
async function startAcceptor(listener: StreamListener): Promise<ChildProcess> {
  const child = spawn(process.execPath, [ACCEPT_REPLY], { stdio: ['ignore', 'inherit', 'pipe', 'ignore', listener.fd], detached: true });
  children.push(child);
  await lineFrom(child, /^ready$/, 10_000, 'stderr');
  return child;
}

describe('bindListener', () => {
  it('hands a TCP listener to a child that receives all 100 connections; the supervisor takes none', async () => {
    const port = await freePort();
    const listener = await mustBind('imap', { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
    expect(listener.address).toBe(`127.0.0.1:${port}`);
    const child = await startAcceptor(listener);
    const replies = await Promise.all(Array.from({ length: 100 }, () => ask({ host: '127.0.0.1', port })));
    expect(replies).toEqual(Array.from({ length: 100 }, () => String(child.pid)));
  });

  it('queues connections in the backlog before any child listens', async () => {
    const port = await freePort();
    const listener = await mustBind('imap', { kind: 'tcp', host: '127.0.0.1', port }, 'tcp4', 64);
    const early = ask({ host: '127.0.0.1', port });
    const child = await startAcceptor(listener);
    expect(await early).toBe(String(child.pid));
  });

  it('reports EADDRINUSE naming the entry and the address when the port is taken', async () => {
    const port = await freePort();
    const first = await mustBind('imap', { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
    expect(first.address).toBe(`127.0.0.1:${port}`);
    const second = await bindListener('imap', { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
    expect(second).toEqual({ ok: false, error: `SERVICES.imap: cannot bind 127.0.0.1:${port}: EADDRINUSE` });
  });

  it('binds the wildcard address when no host is given', async () => {
    const port = await freePort();
    const listener = await mustBind('pop3', { kind: 'tcp', host: undefined, port }, 'tcp4', 16);
    expect(listener.address).toBe(`0.0.0.0:${port}`);
    const child = await startAcceptor(listener);
    expect(await ask({ host: '127.0.0.1', port })).toBe(String(child.pid));
  });

  it.each<[string, (dir: string, port: number) => [Parameters<typeof bindListener>[1], Parameters<typeof bindListener>[2]]]>([
    ['proto udp on 127.0.0.1', (_, port) => [{ kind: 'tcp', host: '127.0.0.1', port }, 'udp']],
    ['a unix path with proto udp (Debian\'s notify)', (dir) => [{ kind: 'unix', path: join(dir, 'notify') }, 'udp']],
  ])('%s: a datagram socket held by its helper; a worker gets it on fd 4, and datagrams sent while none runs wait for it', async (_, target) => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-listener-'));
    dirs.push(dir);
    const [listen, proto] = target(dir, await freePort());
    const r = await bindListener('notify', listen, proto, 16);
    if (!r.ok) throw new Error(r.error);
    listeners.push(r.value);
    expect(r.value.datagram).toBe(true);
    const send = (text: string): void => {
      const to = listen.kind === 'unix' ? `pack_sockaddr_un("${listen.path}")` : `pack_sockaddr_in(${listen.port}, inet_aton("127.0.0.1"))`;
      const sent = spawnSync('perl', ['-e', `use Socket; socket(my $s, ${listen.kind === 'unix' ? 'AF_UNIX' : 'AF_INET'}, SOCK_DGRAM, 0); send($s, "${text}", 0, ${to}) or die "send: $!"`]);
      expect(sent.status, sent.stderr.toString()).toBe(0);
    };
    send('before-any-worker'); // held in the socket's buffer, as under Cyrus master
    const marker = join(dir, 'marks');
    const { argv, extraFds } = r.value.workerFds([join(ROOT, 'test/fixtures/bin/dgram-worker.pl')]);
    const child = spawn(argv[0] ?? '', argv.slice(1), { stdio: ['ignore', 'inherit', 'pipe', ...extraFds], env: { ...process.env, MARKER: marker }, detached: true });
    children.push(child);
    await lineFrom(child, /^ready$/, 10_000, 'stderr');
    send('after');
    const marks = await waitForFile(marker, /after/);
    expect(marks).toBe(`${child.pid} before-any-worker\n${child.pid} after\n`);
    await r.value.stopListening();
    if (listen.kind === 'unix') expect(existsSync(listen.path)).toBe(false);
  });

  it('replaces a stale unix socket file, makes it 0777 and serves a child through it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-listener-'));
    dirs.push(dir);
    const path = join(dir, 'lmtp');
    // a socket file left behind by a process that died without unlinking it
    const leftover = spawnSync(process.execPath, ['-e', `require('net')._createServerHandle(${JSON.stringify(path)}, -1, -1); process.exit(0)`]);
    expect(leftover.status).toBe(0);
    expect(statSync(path).isSocket()).toBe(true);

    const listener = await mustBind('lmtp', { kind: 'unix', path }, 'tcp', 16);
    expect(listener.address).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o777);
    const child = await startAcceptor(listener);
    const replies = await Promise.all(Array.from({ length: 20 }, () => ask({ path })));
    expect(replies).toEqual(Array.from({ length: 20 }, () => String(child.pid)));
  });

  it('does not unlink a regular file at the socket path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-listener-'));
    dirs.push(dir);
    const path = join(dir, 'not-a-socket');
    writeFileSync(path, 'keep me');
    const r = await bindListener('lmtp', { kind: 'unix', path }, 'tcp', 16);
    expect(r).toEqual({ ok: false, error: `SERVICES.lmtp: cannot bind ${path}: EEXIST (exists and is not a socket)` });
    expect(statSync(path).isFile()).toBe(true);
  });
});
