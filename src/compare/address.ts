// Where `quiesce compare` reaches a side's IMAP service, as written on its command line and in the pair file.
import { COMPARE_DEFAULTS } from '../defaults.js';

/** `host`, `host:port`, `[v6]:port`, `imaps://host[:port]` (pure). */
export function parseAddress(text: string): { host: string; port: number; tls: boolean } | undefined {
  const tls = text.startsWith('imaps://');
  const rest = tls ? text.slice('imaps://'.length) : text.replace(/^imap:\/\//, '');
  const m = /^(?:\[([^\]\s]+)\]|([^:[\]\s/]+))(?::(\d{1,5}))?$/.exec(rest);
  if (m === null) return undefined;
  const port = m[3] === undefined ? (tls ? COMPARE_DEFAULTS.tlsPort : COMPARE_DEFAULTS.port) : Number(m[3]);
  return port > 0 && port < 65536 ? { host: (m[1] ?? m[2]) as string, port, tls } : undefined;
}
