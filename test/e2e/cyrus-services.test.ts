// quiesce runs a real Cyrus 3.6 instance in place of master: real imapd and lmtpd on quiesce's sockets.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readlinkSync } from 'node:fs';
import { cleanup, ev, isAlive, startQuiesce, tempDir, writeConfig, type Quiesce } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { ImapClient } from './harness/imap-client.js';
import { createInstance, type CyrusInstance } from './harness/instance.js';
import { LmtpClient, makeMessage } from './harness/lmtp-client.js';
import { connectOutcome, freePorts } from './harness/ports.js';

const started = (q: Quiesce, entry: string) => q.logs.filter(ev('child.started', { entry })).length;
const waitStarted = (q: Quiesce, entry: string, n: number) => q.waitForLog(() => started(q, entry) >= n, `${n} ${entry} started`);

describeCyrus('real Cyrus services under quiesce', () => {
  let instance: CyrusInstance;
  let imapPort: number;
  let lmtpPort: number;
  let extraPort: number;
  let dir: string;
  const clients: { logout(): Promise<void> }[] = [];

  beforeEach(async () => {
    instance = await createInstance({ name: 'services' });
    [imapPort, lmtpPort, extraPort] = (await freePorts(3)) as [number, number, number];
    dir = tempDir();
  });

  afterEach(async () => {
    await Promise.allSettled(clients.splice(0).map((c) => c.logout()));
    await cleanup();
    instance.cleanup();
  });

  const config = (services: string) => writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", cyrus_config: "${instance.imapdConf}", quit_timeout: 5s, term_timeout: 2s }
SERVICES:
${services}
`);

  const open = async (port: number, user?: string): Promise<ImapClient> => {
    const c = await ImapClient.connect(port);
    clients.push(c);
    if (user !== undefined) await c.login(user);
    return c;
  };

  it('serves many parallel IMAP sessions (login, select, logout) on prefork workers', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 3 }`));
    await q.waitForLog(ev('supervisor.running'));
    const admin = await open(imapPort, 'cyrus');
    await admin.ok('CREATE user.alice');
    await admin.logout();
    const sessions = Array.from({ length: 24 }, async () => {
      const c = await ImapClient.connect(imapPort);
      await c.login('alice');
      expect((await c.select('INBOX')).exists).toBe(0);
      await c.logout();
    });
    await Promise.all(sessions);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('gives prefork workers their stderr as a pipe but no stdout pipe (a Cyrus service writes to its clients there)', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 2 }`));
    // a worker is logged as started once the fork server reports its exec
    await q.waitForLog((l) => q.logs.filter(ev('child.started', { entry: 'imap' })).length === 2 && ev('child.started')(l), 'two imap workers');
    const workers = q.logs.filter(ev('child.started', { entry: 'imap' })).map((l) => l.pid as number);
    expect(workers).toHaveLength(2);
    for (const pid of workers) {
      expect(readlinkSync(`/proc/${pid}/fd/1`)).toBe('/dev/null');
      expect(readlinkSync(`/proc/${pid}/fd/2`)).toMatch(/^pipe:/); // read by the fork server, forwarded to quiesce
      expect(readlinkSync(`/proc/${pid}/fd/3`)).toMatch(/\/status \(deleted\)$/); // the status FIFO every worker shares, read by quiesce
    }
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('accepts an LMTP delivery and the message is then visible over IMAP', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 1 }
  lmtp: { cmd: "lmtpd -a", listen: "127.0.0.1:${lmtpPort}" }`));
    await q.waitForLog(ev('supervisor.running'));
    const admin = await open(imapPort, 'cyrus');
    await admin.ok('CREATE user.alice');
    const lmtp = await LmtpClient.connect(lmtpPort);
    const result = await lmtp.deliver('bob@example.test', ['alice'], makeMessage({ from: 'bob@example.test', to: 'alice@example.test', subject: 'hello', messageId: '<e2e-1@quiesce.test>' }));
    await lmtp.quit();
    expect(result.data.map((d) => d.reply.code)).toEqual([250]);
    const alice = await open(imapPort, 'alice');
    expect((await alice.select('INBOX')).exists).toBe(1);
    expect(await alice.messageIds('1')).toEqual(['<e2e-1@quiesce.test>']);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('on SIGQUIT refuses new clients at once, stops idle workers and those with open sessions, and exits 0', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 2 }`));
    await q.waitForLog(ev('supervisor.running'));
    await open(imapPort, 'cyrus'); // an open session, waiting for its next command
    await waitStarted(q, 'imap', 3);
    const pids = q.logs.filter(ev('child.started', { entry: 'imap' })).map((l) => l.pid as number);
    q.kill('SIGQUIT');
    await q.waitForLog(ev('service.closed', { entry: 'imap' }));
    expect(await connectOutcome(imapPort)).toBe('ECONNREFUSED');
    expect((await q.exited).code).toBe(0);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    const exits = q.logs.filter(ev('child.exited', { entry: 'imap' }));
    expect(exits.map((l) => l.code)).toEqual(pids.map(() => 75)); // Cyrus' "shut down on signal"
  });

  it('replaces a worker that is SIGKILLed and keeps prefork idle workers under load', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 2 }`));
    await waitStarted(q, 'imap', 2);
    const first = q.logs.find(ev('child.started', { entry: 'imap' }))?.pid as number;
    process.kill(first, 'SIGKILL');
    await q.waitForLog(ev('service.worker-lost', { entry: 'imap', pid: first }));
    await waitStarted(q, 'imap', 3);
    // 4 sessions held open: every one makes a ready worker busy, and a new one is started for it
    for (let i = 0; i < 4; i++) await open(imapPort, 'cyrus');
    await waitStarted(q, 'imap', 3 + 4);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('holds maxchild: a client beyond it waits until a worker is free', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 0, maxchild: 2 }`));
    await q.waitForLog(ev('supervisor.running'));
    const a = await open(imapPort, 'cyrus');
    await open(imapPort, 'cyrus');
    const third = ImapClient.connect(imapPort, 30_000);
    // the third client is in the backlog: no third worker may start; it is served once a session ends
    await a.logout();
    const c = await third;
    clients.push(c);
    await c.login('cyrus');
    expect(started(q, 'imap')).toBe(2);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('with prefork 0 starts no worker until a client connects', async () => {
    const q = startQuiesce(dir, config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 0 }`));
    await q.waitForLog(ev('supervisor.running'));
    expect(started(q, 'imap')).toBe(0);
    const c = await open(imapPort, 'cyrus');
    expect(started(q, 'imap')).toBe(1);
    await c.logout();
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });

  it('on SIGHUP adds and removes a service while an open session stays connected', async () => {
    const file = config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 1 }
  lmtp: { cmd: "lmtpd -a", listen: "127.0.0.1:${lmtpPort}" }`);
    const q = startQuiesce(dir, file);
    await q.waitForLog(ev('supervisor.running'));
    const session = await open(imapPort, 'cyrus');
    config(`  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 1 }
  imap2: { cmd: "imapd", listen: "127.0.0.1:${extraPort}" }`);
    q.kill('SIGHUP');
    const reloaded = await q.waitForLog(ev('config.reloaded'));
    expect(reloaded).toMatchObject({ added: ['imap2'], removed: ['lmtp'] });
    expect(await connectOutcome(lmtpPort)).toBe('ECONNREFUSED');
    const other = await open(extraPort, 'cyrus');
    await other.ok('NOOP');
    await session.ok('NOOP'); // the session that was open before the reload is still served
    await session.logout();
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});
