// A one-shot client for the fixture services that answer each connection with one line and close.
import net from 'node:net';

/** Connects (a port on 127.0.0.1, or any address), reads the whole reply; rejects with the socket error (ECONNREFUSED) or after `timeoutMs`. */
export function ask(connect: number | net.NetConnectOpts, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(typeof connect === 'number' ? { host: '127.0.0.1', port: connect } : connect);
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('end', () => resolve(reply.trim()));
    socket.on('error', reject);
  });
}
