// Where a channel's sync_client connects, worked out the way Cyrus does (imap/sync_support.c
// sync_connect, imap/backend.c backend_connect), and a bounded look at whether anything answers
// there: what tells quiesce that a replica is back.
//
// sync_host is `/path` (a Unix socket), `host:port[/options]` or `host`; a bare host takes
// `<channel>_sync_port` or `sync_port`, else the `csync` service of /etc/services, which
// getaddrinfo(3) would look up too.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Channel } from './sync-dir.js';

/** Where to look for the replica, or why there is nowhere to look. */
export type ReplicaAddress =
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unknown'; readonly reason: string };

/** The service sync_client connects to when no port is given (imap/sync_support.c csync_protocol). */
export const CSYNC_SERVICE = 'csync';

/** The address `channel`'s sync_client connects to; `services` is /etc/services' text. */
export function replicaAddress(channel: Pick<Channel, 'name' | 'syncHost' | 'syncPort'>, services: () => string = readServices): ReplicaAddress {
  const server = channel.syncHost;
  if (server === undefined || server === '') return { kind: 'unknown', reason: 'no sync_host' };
  if (server.startsWith('/')) return { kind: 'unix', path: server };
  const colon = server.indexOf(':');
  const host = colon < 0 ? server : server.slice(0, colon);
  const service = colon < 0 ? (channel.syncPort ?? CSYNC_SERVICE) : (server.slice(colon + 1).split('/')[0] ?? '');
  const port = /^\d+$/.test(service) ? Number(service) : servicePort(service, services);
  if (port === undefined || port < 1 || port > 65_535) return { kind: 'unknown', reason: `port \`${service}\` is neither a number nor a tcp service in /etc/services` };
  return { kind: 'tcp', host, port };
}

/** `host:port` or the socket path, for messages. */
export function describeAddress(a: ReplicaAddress): string {
  return a.kind === 'tcp' ? `${a.host}:${a.port}` : a.kind === 'unix' ? a.path : `unknown (${a.reason})`;
}

function readServices(): string {
  try {
    return readFileSync('/etc/services', 'utf8');
  } catch {
    return '';
  }
}

/** The tcp port of `name` (or an alias) in services(5) text. */
export function servicePort(name: string, services: () => string): number | undefined {
  for (const line of services().split('\n')) {
    const [official, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    const [port, proto] = (portProto ?? '').split('/');
    if (proto === 'tcp' && (official === name || aliases.includes(name))) return Number(port);
  }
  return undefined;
}

/** True when a connection to `a` is accepted within `timeoutMs` (it is closed at once). */
export function answers(a: ReplicaAddress, timeoutMs: number): Promise<boolean> {
  if (a.kind === 'unknown') return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
    const done = (up: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(up);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
