// Binds a SERVICES listening socket that the supervisor holds but never polls or accepts on.
//
// A listening net.Server in the supervisor would accept (steal) about 10% of the connections meant
// for the workers (measured: libuv keeps accepting on a listening handle it watches). So the socket is created and bound with Node's internal
// `net._createServerHandle` (the cluster module's SCHED_NONE path), which gives a bound libuv
// handle that libuv never watches, and listen(2) is called by a one-shot Perl helper that gets
// the same open file description as its fd 4. The parent ends up with a listening fd it never
// touches; workers get it as their fd 4, exactly like under Cyrus master.
//
// Flags of the fd: O_CLOEXEC (unrelated children do not inherit it) and O_NONBLOCK, which is
// shared with every worker through the open file description (Cyrus service.c polls before
// accept and copes). libuv sets SO_REUSEADDR on TCP sockets before bind.
import { lookup } from 'node:dns/promises';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { LIMITS } from '../config/limits.js';
import { isDatagram, type ListenAddress, type Proto } from '../config/types.js';
import { AcceptWatcher } from './accept-watcher.js';
import type { DatagramTarget } from './datagram.js';
import { listenOnShared, shutdownShared } from './shared-socket.js';
import { err, ok, type Result } from '../errors.js';

/** Tells a pool that a client (or a datagram) waits while no worker is ready: the on-demand start. */
export interface ReadinessWatcher {
  /** `reported`: a wait was reported and the watcher waits for rearm(). */
  readonly state: 'idle' | 'armed' | 'reported' | 'closed';
  start(): void;
  rearm(): void;
  close(): Promise<void>;
}

/** What a worker's spawn needs to find the socket on its fd 4 (fd 3 is its status pipe). */
export interface WorkerFds {
  readonly argv: readonly string[];
  readonly extraFds: readonly ('pipe' | number)[];
}

/** A bound socket the supervisor hands to workers as fd 4: a listening stream socket, or a datagram socket. */
export type BoundListener = StreamListener | DatagramListener;

/** A listening stream socket (tcp, or a unix path with proto tcp): the supervisor holds its fd. */
export interface StreamListener extends ListenerBase {
  readonly datagram: false;
  readonly fd: number;
}

/** A datagram socket, held by its helper (datagram.ts): Cyrus runs at most one worker on it, which reads it itself. */
export interface DatagramListener extends ListenerBase {
  readonly datagram: true;
}

interface ListenerBase {
  /** Human form: `127.0.0.1:1143`, `[::]:143`, `/run/cyrus/lmtp`, `/run/cyrus/socket/notify` (datagram). */
  readonly address: string;
  /** The argv and fds of a worker running `argv`. */
  workerFds(argv: readonly string[]): WorkerFds;
  /** A watcher for the on-demand start (prefork: 0). */
  watch(onReady: () => void, onExit: (why: string) => void): ReadinessWatcher;
  close(): void;
  /**
   * Stops accepting for every process that holds the socket, then closes the supervisor's copy:
   * new clients are refused at once (ECONNREFUSED) even while busy workers still hold fd 4.
   * `shutdown`: a process that already holds the socket does it (the fork server); false, or
   * absent, and a one-shot helper is spawned for it.
   */
  stopListening(shutdown?: (fd: number) => Promise<boolean>): Promise<void>;
}

interface SockName {
  address?: string;
  port?: number;
}

interface RawServerHandle {
  readonly fd: number;
  getsockname?(out: SockName): number;
  close(): void;
}

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd?: number,
  flags?: number,
) => RawServerHandle | number;

const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

/** A Node without the internal call (a future major release may drop it): a clear error instead of a TypeError. */
const NO_SERVER_HANDLE = `this Node (${process.version}) has no net._createServerHandle, which quiesce needs to hold a socket it never accepts on (README "Benchmark": Node internals); run it with Node 20, the version it is tested with`;

/** A bound, unwatched handle from the internal call; an errno becomes its name. */
function serverHandle(...args: Parameters<CreateServerHandle>): Result<RawServerHandle, string> {
  if (createServerHandle === undefined) return err(NO_SERVER_HANDLE);
  const made = createServerHandle(...args);
  return typeof made === 'number' ? err(getSystemErrorName(made)) : ok(made);
}

/** libuv's UV_TCP_IPV6ONLY bind flag; Cyrus sets IPV6_V6ONLY on every IPv6 socket. */
const UV_TCP_IPV6ONLY = 1;

/** Handles are kept here until closed, so a dropped BoundListener can never be GC-closed. */
const liveHandles = new Set<RawServerHandle>();

type TcpTarget = { readonly host: string | null; readonly family: 4 | 6; readonly port: number; readonly v6only: boolean };

/** Binds and listens on `listen` for SERVICES entry `entryName`; a failure names entry, address and errno. */
export async function bindListener(
  entryName: string,
  listen: ListenAddress,
  proto: Proto,
  backlog: number,
  /** The user the workers run as: the holder of a datagram socket hands it to their processes. */
  workerUser?: string,
): Promise<Result<BoundListener, string>> {
  const fail = (where: string, why: string) => err(`SERVICES.${entryName}: cannot bind ${where}: ${why}`);
  if (isDatagram(listen, proto)) return bindDatagram(listen, proto, workerUser, fail);
  if (listen.kind === 'unix') {
    const made = bindUnix(listen.path);
    if (!made.ok) return fail(listen.path, made.error);
    return finish(made.value, listen.path, backlog, fail);
  }
  const target = await tcpTarget(listen.host, listen.port, streamProto(proto));
  const wanted = target.ok ? humanTcp(target.value.host, listen.port) : humanTcp(listen.host ?? null, listen.port);
  if (!target.ok) return fail(wanted, target.error);
  const made = bindTcp(target.value);
  if (!made.ok) return fail(wanted, made.error);
  return finish(made.value.handle, made.value.address, backlog, fail);
}

async function finish(
  handle: RawServerHandle,
  address: string,
  backlog: number,
  fail: (where: string, why: string) => Result<never, string>,
): Promise<Result<BoundListener, string>> {
  const listened = await listenOnShared(handle.fd, backlog);
  if (!listened.ok) {
    handle.close();
    return fail(address, listened.error);
  }
  liveHandles.add(handle);
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    liveHandles.delete(handle);
    handle.close();
  };
  return ok({
    address,
    datagram: false,
    fd: handle.fd,
    workerFds: (argv) => ({ argv, extraFds: ['pipe', handle.fd] }),
    watch: (onReady, onExit) => new AcceptWatcher({ listenFd: handle.fd, onReady, onExit }),
    close,
    async stopListening(shutdown) {
      if (!closed && !(await shutdown?.(handle.fd).catch(() => false))) await shutdownShared(handle.fd);
      close();
    },
  });
}

/** The tcp proto of the same family: `udp6` binds like `tcp6`. */
const streamProto = (proto: Proto): 'tcp' | 'tcp4' | 'tcp6' => (proto.endsWith('4') ? 'tcp4' : proto.endsWith('6') ? 'tcp6' : 'tcp');

/** A datagram socket, created and held by the Perl helper of datagram.ts. */
async function bindDatagram(listen: ListenAddress, proto: Proto, workerUser: string | undefined, fail: (where: string, why: string) => Result<never, string>): Promise<Result<BoundListener, string>> {
  let target: DatagramTarget;
  if (listen.kind === 'unix') {
    if (Buffer.byteLength(listen.path) > LIMITS.unixPathBytes) return fail(listen.path, 'ENAMETOOLONG');
    target = { kind: 'unix', path: listen.path };
  } else {
    const t = await tcpTarget(listen.host, listen.port, streamProto(proto));
    if (!t.ok) return fail(humanTcp(listen.host ?? null, listen.port), t.error);
    target = t.value.family === 6 || t.value.host === null ? { kind: 'inet6', host: t.value.host ?? '::', port: listen.port, v6only: t.value.v6only } : { kind: 'inet', host: t.value.host, port: listen.port, v6only: false };
  }
  // Loaded here: most configs have no datagram service, and its module brings dgram and crypto. (A
  // module of ours: the bundle turns this import into a require. A builtin imported this way
  // would stay an import(), which boot.cts's vm.Script cannot run.)
  const { DatagramWatcher, holdDatagramSocket } = await import('./datagram.js');
  const held = await holdDatagramSocket(target, workerUser);
  if (!held.ok) return fail(target.kind === 'unix' ? target.path : `${humanTcp(listen.kind === 'tcp' ? (listen.host ?? null) : null, target.port)}/udp`, held.error);
  const h = held.value;
  return ok({
    address: h.address,
    datagram: true,
    workerFds: (argv) => ({ argv: h.wrap(argv), extraFds: ['pipe'] }),
    watch: (onReady) => new DatagramWatcher(h, onReady),
    close: () => h.close(),
    async stopListening() {
      await h.stopListening();
      h.close();
    },
  });
}

async function tcpTarget(host: string | undefined, port: number, proto: 'tcp' | 'tcp4' | 'tcp6'): Promise<Result<TcpTarget, string>> {
  const bare = host === undefined || host === '' || host === '*' ? null : host.replace(/^\[(.*)\]$/, '$1');
  if (bare === null) {
    switch (proto) {
      case 'tcp': // `::` dual-stack, or 0.0.0.0 where IPv6 is unavailable (_createServerHandle falls back)
        return ok({ host: null, family: 6, port, v6only: false });
      case 'tcp4':
        return ok({ host: '0.0.0.0', family: 4, port, v6only: false });
      case 'tcp6':
        return ok({ host: '::', family: 6, port, v6only: true });
    }
  }
  const wantFamily = proto === 'tcp4' ? 4 : proto === 'tcp6' ? 6 : 0;
  const literal = net.isIP(bare);
  if (literal !== 0) {
    if (wantFamily !== 0 && literal !== wantFamily) return err(`not an IPv${wantFamily} address (proto ${proto})`);
    return ok({ host: bare, family: literal === 6 ? 6 : 4, port, v6only: literal === 6 });
  }
  try {
    const found = await lookup(bare, { family: wantFamily });
    const family = found.family === 6 ? 6 : 4;
    return ok({ host: found.address, family, port, v6only: family === 6 });
  } catch (e) {
    return err(`cannot resolve ${bare}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function bindTcp(t: TcpTarget): Result<{ handle: RawServerHandle; address: string }, string> {
  const handle = serverHandle(t.host, t.port, t.family, undefined, t.v6only ? UV_TCP_IPV6ONLY : 0);
  if (!handle.ok) return handle;
  const made = handle.value;
  const name: SockName = {};
  const rc = made.getsockname?.(name) ?? 0;
  // libuv defers EADDRINUSE from bind(2) to listen(2) (uv__tcp_bind's delayed_error); the socket
  // then stays unbound, so a port of 0 here means the bind failed. Never let the helper listen on
  // such a socket: listen(2) would bind it to a random port.
  if (rc !== 0 || name.port === undefined || name.port === 0) {
    made.close();
    return err(rc !== 0 ? getSystemErrorName(rc) : 'EADDRINUSE');
  }
  return ok({ handle: made, address: humanTcp(name.address ?? t.host, name.port) });
}

function bindUnix(path: string): Result<RawServerHandle, string> {
  if (Buffer.byteLength(path) > LIMITS.unixPathBytes) return err('ENAMETOOLONG');
  const removed = removeStaleSocket(path);
  if (!removed.ok) return removed;
  const handle = serverHandle(path, -1, -1);
  if (!handle.ok) return handle;
  const made = handle.value;
  try {
    chmodSync(path, 0o777); // like Cyrus master: anyone may connect, access control is the service's
  } catch (e) {
    made.close();
    return err((e as NodeJS.ErrnoException).code ?? String(e));
  }
  return ok(made);
}

/** Cyrus unlinks the path before binding; we do it only when it is a socket, never a regular file. */
function removeStaleSocket(path: string): Result<void, string> {
  try {
    if (!lstatSync(path).isSocket()) return err('EEXIST (exists and is not a socket)');
    unlinkSync(path);
    return ok(undefined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? ok(undefined) : err(code ?? String(e));
  }
}

function humanTcp(host: string | null, port: number): string {
  if (host === null) return `*:${port}`;
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
