// The control socket server: `quiesce status|stop|reload|escalate` talk to a running instance through it.
//
// One request per connection. `status` is answered and the connection closed. `stop`, `reload`
// and `escalate` become a SupervisorEvent passed to host.dispatch(), exactly as a signal would be
// (trigger `control:<request>`). A `stop` connection then stays open and receives every log event
// the host publishes, and a final `done` line when the supervisor has finished. A `reload`
// connection stays open until the outcome of the reload that serves it (config.reloaded or
// config.reload-rejected), which the event's `onOutcome` hands back.
//
// The socket is created mode 0600: only its owner (and root) may connect, because anyone who can
// connect can stop the mail server. The mode is set by the umask in force during bind(2), so there
// is no window in which the socket is reachable with a wider mode; a chmod afterwards is a second lock.
import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { err, ok, unreachable, type Result } from '../errors.js';
import type { LogEvent } from '../log.js';
import type { Action, SupervisorEvent } from '../supervisor/phase.js';
import type { StatusSnapshot } from '../supervisor/status.js';
import { encodeLine, MAX_REQUEST_BYTES, parseRequest, type ControlReply, type ControlRequest } from './protocol.js';
import { clearStaleSocket } from './stale-socket.js';

/** What the control server needs from the running supervisor (the integration interface). */
export interface ControlHost {
  /** The current picture, for `status`. */
  status(): StatusSnapshot;
  /** Handles an event exactly like a signal's. */
  dispatch(e: SupervisorEvent): void;
  /** What an event of this kind does now (the phase x step x event table). */
  actionOf(kind: SupervisorEvent['kind']): Action;
  /** Calls `listener` with every log event from now on; returns the unsubscribe function. */
  subscribe(listener: (e: LogEvent) => void): () => void;
  /** Resolves when the supervisor has finished, with its exit code and the shutdown verdict. */
  readonly finished: Promise<{ exitCode: number; verdict: string }>;
}

/** A listening control socket. */
export interface ControlServer {
  readonly path: string;
  /** Stops accepting, ends open connections, removes the socket file. */
  close(): Promise<void>;
}

/** Mode of the control socket: owner read/write only. */
export const CONTROL_SOCKET_MODE = 0o600;

/** The SupervisorEvent a control request becomes, or undefined for `status`. */
export function eventOfRequest(r: ControlRequest): SupervisorEvent | undefined {
  const trigger = `control:${r.request}`;
  switch (r.request) {
    case 'status':
      return undefined;
    case 'stop':
      return { kind: 'shutdown', mode: r.mode, trigger };
    case 'reload':
      return { kind: 'reload', trigger };
    case 'escalate':
      return { kind: 'escalate', trigger };
    default:
      return unreachable(r);
  }
}

/** Binds `path` (mode 0600) and serves control requests for `host`. */
export async function startControlServer(path: string, host: ControlHost): Promise<Result<ControlServer, string>> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  } catch (e) {
    return err(`cannot create the directory of control socket ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const cleared = await clearStaleSocket(path);
  if (!cleared.ok) return cleared;

  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    serveConnection(socket, host);
  });
  const listening = await listenPrivately(server, path);
  if (!listening.ok) return listening;
  return ok({
    path,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          removeSocketFile(path);
          resolve();
        });
        for (const s of connections) s.end();
        for (const s of connections) s.destroySoon();
      }),
  });
}

function listenPrivately(server: Server, path: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(err(`cannot listen on control socket ${path}: ${e.code ?? e.message}`)));
    // bind(2) happens synchronously inside listen(); the umask is restored before any other code runs.
    const previous = process.umask(0o177);
    try {
      server.listen(path, () => {
        try {
          chmodSync(path, CONTROL_SOCKET_MODE);
        } catch (e) {
          server.close();
          resolve(err(`cannot chmod control socket ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`));
          return;
        }
        resolve(ok(undefined));
      });
    } finally {
      process.umask(previous);
    }
  });
}

function removeSocketFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // libuv already removed it, or someone else did
  }
}

function send(socket: Socket, reply: ControlReply): void {
  if (!socket.destroyed && socket.writable) socket.write(encodeLine(reply));
}

function serveConnection(socket: Socket, host: ControlHost): void {
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy()); // a client that went away; nothing to report
  let buffer = '';
  const onData = (chunk: string): void => {
    buffer += chunk;
    const nl = buffer.indexOf('\n');
    if (nl < 0) {
      if (buffer.length > MAX_REQUEST_BYTES) {
        send(socket, { type: 'error', message: `request longer than ${MAX_REQUEST_BYTES} bytes` });
        socket.end();
        socket.off('data', onData);
      }
      return;
    }
    socket.off('data', onData);
    const parsed = parseRequest(buffer.slice(0, nl));
    if (!parsed.ok) {
      send(socket, { type: 'error', message: parsed.error });
      socket.end();
      return;
    }
    answer(socket, parsed.value, host);
  };
  socket.on('data', onData);
}

function answer(socket: Socket, request: ControlRequest, host: ControlHost): void {
  const event = eventOfRequest(request);
  if (event === undefined) {
    send(socket, { type: 'status', status: host.status() });
    socket.end();
    return;
  }
  const phase = host.status().phase;
  const accepted: ControlReply = { type: 'accepted', request: request.request, phase, action: host.actionOf(event.kind) };
  if (request.request === 'reload' && accepted.action === 'reload') {
    // Follow the reload until the instance says how it went: applied (what changed) or rejected
    // (why). Only the reload that read the file after this request answers it (reload-queue.ts).
    send(socket, accepted);
    host.dispatch({ kind: 'reload', trigger: event.trigger, onOutcome: (outcome) => {
      if (outcome !== undefined) send(socket, { type: 'event', event: outcome });
      socket.end();
    } });
    void host.finished.then(() => socket.end()); // a shutdown overtook the queued reload
    return;
  }
  if (request.request !== 'stop') {
    send(socket, accepted);
    host.dispatch(event);
    socket.end();
    return;
  }
  // Subscribe before dispatching so the client sees shutdown.begin.
  const unsubscribe = host.subscribe((e) => send(socket, { type: 'event', event: e }));
  socket.once('close', unsubscribe);
  send(socket, accepted);
  host.dispatch(event);
  void host.finished.then((result) => {
    unsubscribe();
    send(socket, { type: 'done', exitCode: result.exitCode, verdict: result.verdict });
    socket.end();
  });
}
