// The client side of the control socket: send one request, receive reply lines until the server closes.
import { lstatSync } from 'node:fs';
import { connect } from 'node:net';
import { err, ok, type Result } from '../errors.js';
import { encodeLine, lineSplitter, parseReply, type ControlReply, type ControlRequest } from './protocol.js';

/** Why a control request could not be completed. */
export type ControlFailure =
  | { readonly reason: 'not-running'; readonly message: string }
  | { readonly reason: 'permission'; readonly message: string }
  | { readonly reason: 'protocol'; readonly message: string }
  | { readonly reason: 'io'; readonly message: string };

/** Who owns the socket and its mode, in words: `owner uid 0, mode 0600`. */
function ownership(path: string): string {
  try {
    const st = lstatSync(path);
    return `owner uid ${st.uid}, mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}`;
  } catch (e) {
    return `cannot even stat it: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}

/** The failure of a connect(2) error, with a sentence naming the socket and the reason. */
export function describeConnectError(path: string, code: string | undefined, uid: number | undefined = process.getuid?.()): ControlFailure {
  switch (code ?? 'unknown') {
    case 'ENOENT':
      return { reason: 'not-running', message: `no quiesce is running here: control socket ${path} does not exist` };
    case 'ECONNREFUSED':
      return { reason: 'not-running', message: `no quiesce is listening on control socket ${path} (a stale socket file from an instance that died?)` };
    case 'EACCES':
    case 'EPERM':
      return {
        reason: 'permission',
        message: `permission denied on control socket ${path} (${ownership(path)}; you are uid ${uid ?? '?'}): run this command as the user quiesce runs as, or as root`,
      };
    case 'ENOTSOCK':
      return { reason: 'io', message: `${path} is not a socket` };
    default:
      return { reason: 'io', message: `cannot connect to control socket ${path}: ${code ?? 'unknown error'}` };
  }
}

/**
 * Sends `request` on the socket at `path` and calls `onReply` for each reply line. Resolves when
 * the server closes the connection (ok), or with the reason it could not talk to it.
 */
export function sendControlRequest(path: string, request: ControlRequest, onReply: (r: ControlReply) => void): Promise<Result<void, ControlFailure>> {
  try {
    if (!lstatSync(path).isSocket()) return Promise.resolve(err({ reason: 'io', message: `${path} exists but is not a socket; is this the control socket of a quiesce instance?` }));
  } catch (e) {
    return Promise.resolve(err(describeConnectError(path, (e as NodeJS.ErrnoException).code)));
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Result<void, ControlFailure>): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const socket = connect(path);
    socket.setEncoding('utf8');
    let connected = false;
    const split = lineSplitter((line) => {
      const reply = parseReply(line);
      if (!reply.ok) {
        finish(err({ reason: 'protocol', message: `control socket ${path}: ${reply.error}` }));
        socket.destroy();
        return;
      }
      onReply(reply.value);
    });
    socket.once('connect', () => {
      connected = true;
      socket.write(encodeLine(request));
    });
    socket.on('data', (chunk: string) => void split(chunk));
    socket.once('error', (e: NodeJS.ErrnoException) => {
      finish(err(connected ? { reason: 'io', message: `control socket ${path}: ${e.code ?? e.message}` } : describeConnectError(path, e.code)));
    });
    socket.once('close', () => finish(ok(undefined)));
  });
}
