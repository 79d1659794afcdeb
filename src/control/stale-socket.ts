// Before binding the control socket: a socket file left by a dead instance is removed, a live one is not.
import { connect } from 'node:net';
import { lstatSync, unlinkSync } from 'node:fs';
import { err, ok, unreachable, type Result } from '../errors.js';

/** What is at a socket path right now. */
export type SocketProbe =
  | { readonly kind: 'absent' }
  | { readonly kind: 'not-a-socket' }
  | { readonly kind: 'live' }
  | { readonly kind: 'stale' }
  | { readonly kind: 'unreachable'; readonly code: string };

/** Connects once to find out whether something answers on `path`. */
export function probeSocket(path: string): Promise<SocketProbe> {
  try {
    if (!lstatSync(path).isSocket()) return Promise.resolve({ kind: 'not-a-socket' });
  } catch {
    return Promise.resolve({ kind: 'absent' });
  }
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => {
      sock.destroy();
      resolve({ kind: 'live' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      sock.destroy();
      // ECONNREFUSED: the file exists but no process listens on it any more.
      if (e.code === 'ECONNREFUSED') resolve({ kind: 'stale' });
      else if (e.code === 'ENOENT') resolve({ kind: 'absent' });
      else resolve({ kind: 'unreachable', code: e.code ?? e.message });
    });
  });
}

/** Makes `path` free for a new socket: removes a stale socket file, refuses anything else. */
export async function clearStaleSocket(path: string): Promise<Result<void, string>> {
  const probe = await probeSocket(path);
  switch (probe.kind) {
    case 'absent':
      return ok(undefined);
    case 'stale':
      try {
        unlinkSync(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT') return err(`cannot remove the stale control socket ${path}: ${code ?? String(e)}`);
      }
      return ok(undefined);
    case 'live':
      return err(`control socket ${path} is in use: another quiesce answers on it`);
    case 'not-a-socket':
      return err(`${path} exists and is not a socket; not removing it`);
    case 'unreachable':
      return err(`cannot check control socket ${path}: ${probe.code}`);
    default:
      return unreachable(probe);
  }
}
