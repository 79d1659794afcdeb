// Where a channel's sync_client connects (as Cyrus works it out), and the bounded look at it.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answers, replicaAddress, servicePort } from '../../../src/replication/replica-address.js';

const SERVICES = 'ssh\t\t22/tcp\n# csync 9999/tcp in a comment\ncsync\t2005/tcp\tcyrus-sync # Cyrus replication\ncsync\t2005/udp\n';
const channel = (syncHost: string | undefined, syncPort?: string) => ({ name: '', syncHost, syncPort });

describe('replicaAddress', () => {
  it.each([
    [channel('replica.example'), { kind: 'tcp', host: 'replica.example', port: 2005 }],
    [channel('replica.example', '3005'), { kind: 'tcp', host: 'replica.example', port: 3005 }],
    [channel('replica.example', 'ssh'), { kind: 'tcp', host: 'replica.example', port: 22 }],
    [channel('10.0.0.2:4005/tls', '3005'), { kind: 'tcp', host: '10.0.0.2', port: 4005 }],
    [channel('/run/cyrus/sync.sock'), { kind: 'unix', path: '/run/cyrus/sync.sock' }],
  ])('%j -> %j', (c, address) => {
    expect(replicaAddress(c, () => SERVICES)).toEqual(address);
  });

  it('says why there is nowhere to look', () => {
    expect(replicaAddress(channel(undefined), () => SERVICES)).toEqual({ kind: 'unknown', reason: 'no sync_host' });
    expect(replicaAddress(channel('replica'), () => '')).toEqual({ kind: 'unknown', reason: 'port `csync` is neither a number nor a tcp service in /etc/services' });
    expect(replicaAddress(channel('replica:99999'), () => SERVICES).kind).toBe('unknown');
  });

  it('finds a service by alias, tcp only', () => {
    expect(servicePort('cyrus-sync', () => SERVICES)).toBe(2005);
    expect(servicePort('nope', () => SERVICES)).toBeUndefined();
  });
});

describe('answers', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));

  it('is true where something accepts, false where nothing listens', async () => {
    server = createServer((s) => s.destroy());
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    expect(await answers({ kind: 'tcp', host: '127.0.0.1', port }, 1_000)).toBe(true);
    await new Promise<void>((r) => server?.close(() => r()));
    server = undefined;
    expect(await answers({ kind: 'tcp', host: '127.0.0.1', port }, 1_000)).toBe(false);
    expect(await answers({ kind: 'unknown', reason: 'x' }, 1_000)).toBe(false);
  });
});
