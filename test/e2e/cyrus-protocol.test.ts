// The listener, the status channel and the fd layout, proven against the real Cyrus imapd and lmtpd.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { StatusMessage } from '../../src/child/status-channel.js';
import { AcceptWatcher } from '../../src/service/accept-watcher.js';
import { bindListener, type BoundListener, type StreamListener } from '../../src/service/listener.js';
import { describeCyrus } from './harness/cyrus.js';
import { ImapClient } from './harness/imap-client.js';
import { createInstance, type CyrusInstance } from './harness/instance.js';
import { LmtpClient, makeMessage } from './harness/lmtp-client.js';
import { freePort } from './harness/ports.js';
import { exitOf, signalPid, stopChildren } from './harness/process.js';
import { spawnWorker, type Worker } from './harness/worker.js';

describeCyrus('real Cyrus workers on a quiesce listener', () => {
  let instance: CyrusInstance | undefined;
  const workers: Worker[] = [];
  const listeners: BoundListener[] = [];

  beforeAll(async () => {
    instance = await createInstance();
  });
  afterEach(async () => {
    await stopChildren(workers.splice(0).map((w) => w.child));
    for (const l of listeners.splice(0)) l.close();
  });
  afterAll(() => instance?.cleanup());

  const conf = () => (instance as CyrusInstance).imapdConf;

  async function listen(service: string): Promise<{ listener: StreamListener; port: number }> {
    const port = await freePort();
    const r = await bindListener(service, { kind: 'tcp', host: '127.0.0.1', port }, 'tcp', 64);
    if (!r.ok) throw new Error(r.error);
    if (r.value.datagram) throw new Error('expected a stream socket');
    listeners.push(r.value);
    return { listener: r.value, port };
  }

  function start(program: string, args: readonly string[], service: string, listener: StreamListener): Worker {
    const w = spawnWorker(program, args, service, listener.fd);
    workers.push(w);
    return w;
  }

  async function session(port: number, user = 'cyrus'): Promise<void> {
    const imap = await ImapClient.connect(port);
    await imap.login(user);
    await imap.logout();
  }

  it('sends nothing at startup, then UNAVAILABLE, CONNECTION and AVAILABLE around one session', async () => {
    const { listener, port } = await listen('imap');
    const imapd = start('imapd', ['-C', conf()], 'imap', listener);
    await session(port);
    // anything sent at startup would come first
    const got = [await imapd.status.next(), await imapd.status.next(), await imapd.status.next()];
    expect(got).toEqual<StatusMessage[]>([
      { kind: 'unavailable', pid: imapd.pid },
      { kind: 'connection', pid: imapd.pid },
      { kind: 'available', pid: imapd.pid },
    ]);
  });

  it('serves 10 parallel sessions with 3 workers sharing the listener', async () => {
    const { listener, port } = await listen('imap');
    const pool = [0, 1, 2].map(() => start('imapd', ['-C', conf()], 'imap', listener));
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => session(port)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // every session was announced by exactly one worker, from its own pid
    const deadline = Date.now() + 10_000;
    const connections = () => pool.flatMap((w) => w.status.all.filter((m) => m.kind === 'connection'));
    while (connections().length < 10 && Date.now() < deadline) await Promise.race(pool.map((w) => w.status.next(500).catch(() => undefined)));
    expect(connections()).toHaveLength(10);
    for (const w of pool) expect(w.status.all.every((m) => m.pid === w.pid)).toBe(true);
    console.log(`connections per worker: ${pool.map((w) => w.status.all.filter((m) => m.kind === 'connection').length).join(', ')}`);
  });

  it('an idle worker exits 75 (EX_TEMPFAIL) on SIGQUIT', async () => {
    const { listener, port } = await listen('imap');
    const imapd = start('imapd', ['-C', conf()], 'imap', listener);
    // after one session and AVAILABLE, its signal handlers are installed and it waits in accept
    await session(port);
    while ((await imapd.status.next()).kind !== 'available');
    signalPid(imapd.pid, 'SIGQUIT');
    expect(await exitOf(imapd.child)).toEqual({ code: 75, signal: null });
  });

  it('lmtpd -a delivers to user.alice (250) and the message is then visible over IMAP', async () => {
    const imap = await listen('imap');
    const lmtp = await listen('lmtp');
    start('imapd', ['-C', conf()], 'imap', imap.listener);
    const lmtpd = start('lmtpd', ['-C', conf(), '-a'], 'lmtp', lmtp.listener);

    const admin = await ImapClient.connect(imap.port);
    await admin.login('cyrus');
    const created = await admin.command('CREATE user.alice');
    expect(created.status === 'OK' || /exists/i.test(created.text)).toBe(true);
    await admin.logout();

    const messageId = `<e2e-${process.pid}-${Date.now()}@quiesce.test>`;
    const client = await LmtpClient.connect(lmtp.port);
    const result = await client.deliver('sender@quiesce.test', ['alice'], makeMessage({ from: 'sender@quiesce.test', to: 'alice@quiesce.test', subject: 'e2e', messageId }));
    await client.quit();
    expect(result.rcpt.map((r) => r.reply.code)).toEqual([250]);
    expect(result.data.map((r) => r.reply.code)).toEqual([250]);
    expect((await lmtpd.status.next()).kind).toBe('unavailable');

    const alice = await ImapClient.connect(imap.port);
    await alice.login('alice');
    expect(await alice.status('INBOX', ['MESSAGES'])).toEqual({ MESSAGES: 1 });
    expect(await alice.select('INBOX')).toEqual({ exists: 1 });
    expect(await alice.search(`HEADER Message-ID "${messageId}"`)).toEqual([1]);
    expect(await alice.messageIds('1')).toEqual([messageId]);
    await alice.logout();
  });

  it('on demand: the accept watcher reports a waiting client and an imapd started afterwards serves it', async () => {
    const { listener, port } = await listen('imap');
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const watcher = new AcceptWatcher({ listenFd: listener.fd, onReady: () => onReady() });
    watcher.start();
    try {
      const client = ImapClient.connect(port);
      await ready;
      const imapd = start('imapd', ['-C', conf()], 'imap', listener);
      const imap = await client;
      await imap.login('cyrus');
      await imap.logout();
      expect((await imapd.status.next()).kind).toBe('unavailable');
    } finally {
      await watcher.close();
    }
  });
});
