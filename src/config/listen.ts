// A SERVICES `listen` value -> a TCP address or a unix socket path, as cyrus.conf writes them.
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '../errors.js';
import type { ListenAddress } from './types.js';
import { expected, quoted } from './describe.js';

const LISTEN_EXPECTED = 'a port, host:port, service name or socket path';

/**
 * "1143", 1143, "127.0.0.1:1143", "[::1]:1143", "imap", "localhost:imap" (service names are read
 * from `servicesFile`, tcp entries), or a unix socket path (anything with a `/`; the loader
 * resolves a relative one against the config file's directory). A host of `*` means every address.
 */
export function parseListen(v: unknown, servicesFile = '/etc/services'): Result<ListenAddress, string> {
  if (typeof v === 'number') return Number.isInteger(v) ? tcp(undefined, String(v), v, servicesFile) : err(expected(LISTEN_EXPECTED, v));
  if (typeof v !== 'string' || v.trim() === '') return err(expected(LISTEN_EXPECTED, v));
  const s = v.trim();
  if (s.includes('/')) return ok({ kind: 'unix', path: s });
  const bracketed = /^\[([^\]]+)\]:([^:]+)$/.exec(s);
  if (bracketed !== null) return tcp(bracketed[1], bracketed[2] as string, v, servicesFile);
  const colon = s.lastIndexOf(':');
  if (colon < 0) return tcp(undefined, s, v, servicesFile);
  const host = s.slice(0, colon);
  if (host === '' || host.includes(':')) return err(`${expected(LISTEN_EXPECTED, v)} (write an IPv6 host as [::1]:port)`);
  return tcp(host === '*' ? undefined : host, s.slice(colon + 1), v, servicesFile);
}

function tcp(host: string | undefined, port: string, v: unknown, servicesFile: string): Result<ListenAddress, string> {
  const p = portOf(port, v, servicesFile);
  return p.ok ? ok({ kind: 'tcp', host, port: p.value }) : p;
}

/** A port number 1-65535 or a tcp service name. */
function portOf(port: string, v: unknown, servicesFile: string): Result<number, string> {
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    return n >= 1 && n <= 65535 ? ok(n) : err(expected('a port between 1 and 65535', v));
  }
  if (!/^[A-Za-z][\w.-]*$/.test(port)) return err(expected(LISTEN_EXPECTED, v));
  const n = lookUpService(port, servicesFile);
  return n === undefined ? err(`unknown service name ${quoted(port)} (not a tcp service in ${servicesFile})`) : ok(n);
}

/** The tcp port of a service name or alias in an /etc/services-style file. */
function lookUpService(name: string, servicesFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(servicesFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [service, portProto, ...aliases] = (line.split('#')[0] ?? '').trim().split(/\s+/);
    const m = /^(\d+)\/tcp$/.exec(portProto ?? '');
    if (m !== null && (service === name || aliases.includes(name))) return Number(m[1]);
  }
  return undefined;
}
