// Free TCP ports on 127.0.0.1 for tests: asks the kernel for ephemeral ports, never guesses.
import net from 'node:net';

/** One port that was free on 127.0.0.1 a moment ago (the kernel picked it). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** `count` distinct ports, each free on 127.0.0.1 when this returns. */
export async function freePorts(count: number): Promise<number[]> {
  // Hold every server open until all are picked, so the kernel cannot hand out the same port twice.
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** What connecting to 127.0.0.1:`port` gives: 'connected', or the error code (ECONNREFUSED). */
export function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}
