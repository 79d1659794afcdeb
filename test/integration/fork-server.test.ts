// The fork server (src/child/fork-server.ts) with real processes: what a worker gets, what comes back.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { constants } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Child } from '../../src/child/child.js';
import type { Feed, ForkedProcess, ForkRequest } from '../../src/child/forked-process.js';
import { ForkServers } from '../../src/child/fork-servers.js';
import { TagScanner } from '../../src/child/tag-scan.js';
import { realClock } from '../../src/clock.js';
import type { CommandSpec } from '../../src/config/types.js';
import { memoryLog } from '../../src/log.js';
import { PRCTL_SYSCALL } from '../../src/syscall-numbers.js';
import { bindListener, type BoundListener, type StreamListener } from '../../src/service/listener.js';
import { freePort } from '../e2e/harness/ports.js';
import { isGone, waitForGone } from '../e2e/harness/process.js';

const servers: ForkServers[] = [];
const listeners: BoundListener[] = [];
const started: ForkedProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.pid !== undefined && !isGone(p.pid)) {
      process.kill(-p.pid, 'SIGKILL');
      await waitForGone(p.pid, 5_000);
    }
  }
  for (const s of servers.splice(0)) s.close();
  for (const l of listeners.splice(0)) l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function forkServers(errors: string[] = []): ForkServers {
  const s = new ForkServers({ onError: (why) => errors.push(why) });
  servers.push(s);
  return s;
}

async function listener(): Promise<StreamListener> {
  const r = await bindListener('imap', { kind: 'tcp', host: '127.0.0.1', port: await freePort() }, 'tcp', 16);
  if (!r.ok || r.value.datagram) throw new Error(r.ok ? 'not a stream socket' : r.error);
  listeners.push(r.value);
  return r.value;
}

function start(servers: ForkServers, req: Partial<ForkRequest> & Pick<ForkRequest, 'file' | 'args'>): ForkedProcess {
  const p = servers.spawn({ env: { PATH: '/usr/bin:/bin' }, captureStdout: false, fds: [], ...req });
  if (p === undefined) throw new Error('the fork server refused a spawn');
  started.push(p);
  return p;
}

/** Everything a worker's stream (a Feed) carries, once it ends. */
const bytes = (feed: Feed | null | undefined): Promise<Buffer> => new Promise((resolve) => {
  const chunks: Buffer[] = [];
  feed?.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  feed?.on('end', () => resolve(Buffer.concat(chunks)));
});
const text = async (feed: Feed | null | undefined): Promise<string> => (await bytes(feed)).toString('utf8');

describe('fork server', () => {
  it('lays out exactly the fds asked for: /dev/null, a stderr pipe, the status FIFO, the socket on fd 4, nothing else', async () => {
    const sock = await listener();
    const fs = forkServers();
    fs.prepare([sock.fd]);
    const p = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', sock.fd] });
    await once(p, 'spawn');
    const pid = p.pid ?? -1;
    // sleep opens and closes its locale files as it starts: an fd of ours would stay, those go
    expect(await eventually(() => readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b), [0, 1, 2, 3, 4])).toEqual([0, 1, 2, 3, 4]);
    expect(readlinkSync(`/proc/${pid}/fd/0`)).toBe('/dev/null');
    expect(readlinkSync(`/proc/${pid}/fd/1`)).toBe('/dev/null');
    expect(readlinkSync(`/proc/${pid}/fd/2`)).toMatch(/^pipe:/);
    // the FIFO shared by the fork server's workers; quiesce removed its name once it had opened it
    expect(readlinkSync(`/proc/${pid}/fd/3`)).toMatch(/quiesce-fork-.*\/status \(deleted\)$/);
    expect(readlinkSync(`/proc/${pid}/fd/4`)).toBe(`socket:[${statSync(`/proc/self/fd/${sock.fd}`).ino}]`);
    // its own session and process group, as Node's detached spawn gives
    expect(process.kill(-pid, 0)).toBe(true);
    process.kill(-pid, 'SIGTERM');
    const [code, signal] = (await once(p, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
  });

  // close_range(2) marks the rest close-on-exec; without it (Linux < 5.11) each child lists /proc/self/fd
  it.each([['close_range(2)', undefined], ['a listing of /proc/self/fd', null]] as const)('with %s, a worker keeps none of the fork server\'s fds (the pipes of the workers started before it)', async (_how, closeRange) => {
    const sock = await listener();
    const fs = new ForkServers({ onError: () => undefined, closeRange });
    servers.push(fs);
    fs.prepare([sock.fd]);
    const earlier = Array.from({ length: 5 }, () => start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', sock.fd], captureStdout: true }));
    await Promise.all(earlier.map((e) => once(e, 'spawn')));
    const p = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', sock.fd] });
    await once(p, 'spawn');
    const pid = p.pid ?? -1;
    expect(await eventually(() => readdirSync(`/proc/${pid}/fd`).map(Number).sort((x, y) => x - y), [0, 1, 2, 3, 4])).toEqual([0, 1, 2, 3, 4]);
    expect(readlinkSync(`/proc/${pid}/fd/4`)).toBe(`socket:[${statSync(`/proc/self/fd/${sock.fd}`).ino}]`);
  });

  it('forwards stderr and stdout, routes each status message to its sender by pid, then the exit code; env and cwd are exactly as given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qfork-'));
    dirs.push(dir);
    const fs = forkServers();
    // a Cyrus status message: int message, pid_t pid, host order
    const worker = (message: number, code: number) => start(fs, {
      file: 'perl', args: ['-e', `print readlink("/proc/self/cwd"), "|", join(",", sort keys %ENV), "|$ENV{A}"; print STDERR "oops\\n"; open(my $f, ">&=", 3) or die; syswrite($f, pack("l l", ${message}, $$)); exit ${code}`],
      env: { PATH: '/usr/bin:/bin', A: 'x=y' }, cwd: dir, captureStdout: true, fds: ['pipe'],
    });
    const [a, b] = [worker(3, 3), worker(1, 4)];
    const run = (p: ForkedProcess) => Promise.all([text(p.stdout ?? p.stderr), text(p.stderr), bytes(p.stdio[3]), once(p, 'exit')]);
    const [ra, rb] = await Promise.all([run(a), run(b)]);
    expect(ra[0]).toBe(`${dir}|A,PATH|x=y`);
    expect(ra[1]).toBe('oops\n');
    expect(ra[3]).toEqual([3, null]);
    expect(rb[3]).toEqual([4, null]);
    // each channel got exactly its own message (this machine is little-endian, as status-channel.ts checks)
    expect([ra[2].length, ra[2].readInt32LE(0), ra[2].readInt32LE(4)]).toEqual([8, 3, a.pid]);
    expect([rb[2].length, rb[2].readInt32LE(0), rb[2].readInt32LE(4)]).toEqual([8, 1, b.pid]);
  });

  it('reports a failed exec as an error with its errno, and no exit', async () => {
    const fs = forkServers();
    const p = start(fs, { file: 'no-such-program-here', args: [] });
    let exits = 0;
    p.on('exit', () => exits++);
    const [e] = (await once(p, 'error')) as [NodeJS.ErrnoException];
    expect(e.code).toBe('ENOENT');
    expect(p.pid).toBeUndefined();
    // the next one still works
    const q = start(fs, { file: 'true', args: [] });
    expect(await once(q, 'exit')).toEqual([0, null]);
    expect(exits).toBe(0);
  });

  it('becomes the user, group and exact groups asked for, then sets the parent-death signal (setpriv\'s work, no setpriv)', async () => {
    const prctl = PRCTL_SYSCALL[process.arch];
    if (prctl === undefined) throw new Error(`no prctl number for ${process.arch}: the launcher keeps setpriv there`);
    const nobody = { uid: Number(idOf('-u', 'nobody')), gid: Number(idOf('-g', 'nobody')) };
    const fs = forkServers();
    // prints its ids as the kernel has them and its parent-death signal (PR_GET_PDEATHSIG, 2)
    const report = `my $s = do { local (@ARGV, $/) = ("/proc/self/status"); <> }; my ($u) = $s =~ /^Uid:\\s+(.*)$/m; my ($g) = $s =~ /^Gid:\\s+(.*)$/m; my ($gs) = $s =~ /^Groups:[ \\t]*(.*?)\\s*$/m;`
      + ` my $b = pack("i", -1); syscall(${prctl}, 2, $b) == 0 or die "prctl: $!"; print join("|", $u, $g, $gs, unpack("i", $b));`;
    const run = async (as: ForkRequest['as']): Promise<string[]> => {
      const p = start(fs, { file: 'perl', args: ['-e', report], captureStdout: true, as });
      const [out, exit] = await Promise.all([text(p.stdout), once(p, 'exit')]);
      expect(exit).toEqual([0, null]);
      return out.split('|');
    };
    const usr2 = String(constants.signals.SIGUSR2);
    const death = { signal: constants.signals.SIGUSR2, prctl };
    const ids = (n: number | undefined): string => [n, n, n, n].join('\t');
    const alone = await run({ pdeathsig: death });
    expect([alone[0], alone[1], alone[3]]).toEqual([ids(process.getuid?.()), ids(process.getgid?.()), usr2]);
    const asked = { user: { uid: nobody.uid, gid: nobody.gid, groups: [nobody.gid, 8] }, pdeathsig: death };
    if (process.getuid?.() === 0) {
      // the kernel lists the groups sorted
      expect(await run(asked)).toEqual([ids(nobody.uid), ids(nobody.gid), [8, nobody.gid].sort((x, y) => x - y).join(' '), usr2]);
    } else {
      // only root can change its user: the step fails, reported as the exec's error; nothing runs
      const p = start(fs, { file: 'perl', args: ['-e', report], as: asked });
      const [e] = (await once(p, 'error')) as [NodeJS.ErrnoException];
      expect(e.code).toBe('EPERM');
    }
  });

  it('a socket bound later gets a new fork server; the old one ends with its last worker', async () => {
    const a = await listener();
    const b = await listener();
    const fs = forkServers();
    fs.prepare([a.fd]);
    const first = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['ignore', a.fd] });
    await once(first, 'spawn');
    const oldServer = parentOf(first.pid ?? -1);
    const second = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['ignore', b.fd] });
    await once(second, 'spawn');
    const newServer = parentOf(second.pid ?? -1);
    expect(newServer).not.toBe(oldServer);
    // the new one holds both sockets: a worker of `a` starts there too
    const third = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['ignore', a.fd] });
    await once(third, 'spawn');
    expect(parentOf(third.pid ?? -1)).toBe(newServer);
    process.kill(first.pid ?? -1, 'SIGTERM');
    await once(first, 'exit');
    expect(await waitForGone(oldServer, 5_000)).toBe(true);
    expect(isGone(newServer)).toBe(false);
  });

  it('shuts a socket it holds down for every holder (new clients refused); false for one it does not hold', async () => {
    const sock = await listener();
    const other = await listener();
    const fs = forkServers();
    fs.prepare([sock.fd]);
    const port = Number(sock.address.split(':').pop());
    await connectable(port); // listening
    expect(await fs.shutdownSocket(sock.fd)).toBe(true);
    await expect(connectable(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await fs.shutdownSocket(other.fd)).toBe(false);
  });

  it('forks a staged start only once a client waits on its socket (a start asked later is forked first)', async () => {
    const sock = await listener();
    const fs = forkServers();
    fs.prepare([sock.fd]);
    const staged = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', sock.fd], whenReadable: sock.fd });
    let forked = false;
    staged.once('spawn', () => (forked = true));
    // the fork server answers in order: once a later start is reported, the staged one was held
    const later = start(fs, { file: '/bin/sleep', args: ['30'] });
    await once(later, 'spawn');
    expect(forked).toBe(false);
    const client = net.connect(Number(sock.address.split(':').pop()), '127.0.0.1');
    client.on('error', () => undefined);
    try {
      await once(staged, 'spawn');
      expect(parentOf(staged.pid ?? -1)).toBe(parentOf(later.pid ?? -1));
    } finally {
      client.destroy();
    }
  });

  it('cancels a staged start (never forked, even once a client waits), and a drain of its socket cancels it too', async () => {
    const sock = await listener();
    const quiet = await listener(); // no client ever: the drain's staged start cannot be forked
    const fs = forkServers();
    fs.prepare([sock.fd, quiet.fd]);
    const staged = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', sock.fd], whenReadable: sock.fd });
    let forked = false;
    staged.once('spawn', () => (forked = true));
    staged.cancel();
    await once(staged, 'cancelled');
    const client = net.connect(Number(sock.address.split(':').pop()), '127.0.0.1');
    client.on('error', () => undefined);
    try {
      await once(client, 'connect'); // in the backlog, which nobody watches any more
      const later = start(fs, { file: '/bin/sleep', args: ['30'] });
      await once(later, 'spawn');
      expect(forked).toBe(false);
      expect(staged.done).toBe(true);
    } finally {
      client.destroy();
    }
    const drained = start(fs, { file: '/bin/sleep', args: ['30'], fds: ['pipe', quiet.fd], whenReadable: quiet.fd });
    const cancelled = once(drained, 'cancelled');
    expect(await fs.shutdownSocket(quiet.fd)).toBe(true);
    await cancelled;
    expect(drained.pid).toBeUndefined();
  });

  it('declines (Node spawns instead) for a socket fd that is closed, and when no fork server can start', async () => {
    const sock = await listener();
    const fd = sock.fd;
    const fs = forkServers();
    sock.close();
    expect(fs.spawn({ file: '/bin/true', args: [], env: {}, captureStdout: false, fds: ['pipe', fd] })).toBeUndefined();
    const errors: string[] = [];
    const broken = forkServers(errors);
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = '/nonexistent/quiesce-test';
    try {
      expect(broken.spawn({ file: '/bin/true', args: [], env: {}, captureStdout: false, fds: [] })).toBeUndefined();
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    }
    expect(broken.usable).toBe(false);
    expect(errors).toEqual(['cannot start a fork server: ENOENT']);
  });

  it('without perl, what was asked is reported gone, and the fork servers are not used any more', async () => {
    const errors: string[] = [];
    const fs = new ForkServers({ wrap: (argv) => ['/nonexistent/perl', ...argv.slice(1)], onError: (why) => errors.push(why) });
    servers.push(fs);
    const p = start(fs, { file: '/bin/true', args: [] });
    expect(await once(p, 'exit')).toEqual([null, 'SIGTERM']);
    expect(p.pid).toBeUndefined();
    expect(fs.usable).toBe(false);
    expect(errors).toEqual(['cannot start the fork server (perl): ENOENT']);
  });

  it('when the fork server dies, its workers get SIGTERM and are reported gone; it is then not used', async () => {
    const errors: string[] = [];
    const fs = forkServers(errors);
    const p = start(fs, { file: '/bin/sleep', args: ['30'] });
    await once(p, 'spawn');
    const pid = p.pid ?? -1;
    process.kill(parentOf(pid), 'SIGKILL');
    expect(await once(p, 'exit')).toEqual([null, 'SIGTERM']);
    expect(await waitForGone(pid, 5_000)).toBe(true);
    expect(fs.usable).toBe(false);
    expect(errors.join('\n')).toMatch(/the fork server exited \(SIGKILL\); its 1 worker\(s\) were sent SIGTERM/);
  });
});

describe('a worker Child through the fork server', () => {
  it('a staged Child: cancelled, it ends without a trace; forked, it is started from then', async () => {
    const sock = await listener();
    const fs = forkServers();
    fs.prepare([sock.fd]);
    const log = memoryLog();
    const spawn = Child.spawner({ clock: realClock, log, tags: new TagScanner(realClock), forkServers: fs });
    const spec: CommandSpec = {
      name: 'w', section: 'SERVICES', cmd: 'sleep 30', argv: ['/bin/sleep', '30'], shell: false, env: {}, cwd: undefined,
      stopSignal: 'SIGQUIT', quitTimeoutMs: 1_000, termTimeoutMs: 1_000, user: undefined, group: undefined, line: 1,
    };
    let starts = 0;
    let onStart = (): void => undefined;
    const started = new Promise<void>((resolve) => (onStart = resolve));
    const stage = (n: number) => spawn(spec, { tag: `${process.pid}.s.${n}`, role: 'worker', extraFds: ['pipe', sock.fd], whenReadable: { fd: sock.fd, onStart: () => (starts++, onStart()) } });
    const cancelled = stage(1);
    expect(cancelled.staged).toBe(true);
    cancelled.cancelStaged?.();
    expect(await cancelled.exited).toMatchObject({ code: null, signal: null, spawnError: undefined });
    expect(cancelled.state).toMatchObject({ kind: 'exited', pid: undefined, expected: true });
    expect(log.events).toEqual([]);

    const forked = stage(2);
    const stagedAt = forked.state.startedAt;
    const client = net.connect(Number(sock.address.split(':').pop()), '127.0.0.1');
    client.on('error', () => undefined);
    try {
      await started;
      expect(starts).toBe(1);
      expect(forked.staged).toBe(false);
      expect(forked.state.kind).toBe('running');
      expect(forked.state.startedAt).toBeGreaterThanOrEqual(stagedAt);
      expect(log.events.map((e) => e.event)).toEqual(['child.started']);
      forked.signal('SIGTERM', 'stop');
      expect(await forked.exited).toMatchObject({ signal: 'SIGTERM' });
    } finally {
      client.destroy();
    }
  });

  it('is starting until its exec is reported; a stop signal asked for meanwhile is sent then', async () => {
    const fs = forkServers();
    const log = memoryLog();
    const spawn = Child.spawner({ clock: realClock, log, tags: new TagScanner(realClock), forkServers: fs });
    const spec: CommandSpec = {
      name: 'w', section: 'SERVICES', cmd: 'sleep 30', argv: ['/bin/sleep', '30'], shell: false, env: {}, cwd: undefined,
      stopSignal: 'SIGQUIT', quitTimeoutMs: 1_000, termTimeoutMs: 1_000, user: undefined, group: undefined, line: 1,
    };
    const child = spawn(spec, { tag: `${process.pid}.t.1`, role: 'worker', extraFds: ['pipe'] });
    expect(child.state.kind).toBe('starting');
    child.signal('SIGTERM', 'stop');
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(child.state).toMatchObject({ kind: 'exited', expected: true });
    expect(log.events.map((e) => e.event)).toEqual(expect.arrayContaining(['child.started', 'child.exited']));
  });
});

/** Resolves once a TCP connection to 127.0.0.1:`port` is accepted by the kernel (then closes it); rejects with the connect error. */
function connectable(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1', () => {
      c.destroy();
      resolve();
    });
    c.on('error', reject);
  });
}

/** Polls `read` on every turn of the event loop (at most 5 s) until it returns `want`; returns the last value read. */
async function eventually<T>(read: () => T, want: T): Promise<T> {
  const deadline = Date.now() + 5_000;
  let got = read();
  while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
    got = read();
  }
  return got;
}

const idOf = (...args: string[]): string => execFileSync('id', args, { encoding: 'utf8' }).trim();

/** The parent of `pid` (its fork server), from /proc/<pid>/stat. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
