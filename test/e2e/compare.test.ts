// `quiesce compare` against a real master/replica pair: identical after replication; after a
// message is expunged and a flag set on the replica behind sync_client's back, exit 4 naming
// exactly that user, mailbox and UIDs, and the printed sync_client command makes them identical
// again; 69 when a side is not there, 75 when it does not answer.
import { afterEach, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { cleanup, cli, tempDir } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { eventually } from './harness/eventually.js';
import { ImapClient } from './harness/imap-client.js';
import { deliverUntil, messageIdsOf } from './harness/mail-load.js';
import { createPair, startSides, type Pair } from './harness/pair.js';
import { freePort } from './harness/ports.js';

let pair: Pair | undefined;
let silent: Server | undefined;
afterEach(async () => {
  await cleanup();
  pair?.cleanup();
  pair = undefined;
  silent?.close();
  silent = undefined;
});

interface CompareJson {
  exitCode: number; identical: boolean; users: string[]; messages: number; differingUsers: string[]; replicate: string[];
  differences: { user: string; mailbox: string | null; uid: number | null; what: string; master: string; replica: string }[];
}

const deliver = async (port: number, user: string, n: number): Promise<readonly string[]> =>
  (await deliverUntil(port, user, { parallel: 1, limit: n, stop: new AbortController().signal })).acknowledged;

const run = (argv: readonly string[]): Promise<{ code: number; out: string; err: string }> =>
  new Promise((resolve) => execFile(argv[0] as string, argv.slice(1), (error, out, err) => resolve({ code: error === null ? 0 : Number(error.code), out, err })));

describeCyrus('quiesce compare', () => {
  it('finds a freshly synced pair identical, then names exactly the user, mailbox and UIDs changed on the replica behind sync_client\'s back, and its replay command mends them', async () => {
    const dir = tempDir();
    const p = await createPair(dir);
    pair = p;
    const { a, b } = await startSides(dir, p);
    const admin = await ImapClient.connect(p.a.imapPort);
    await admin.login('cyrus');
    await admin.ok('CREATE user.bob');
    await admin.ok('CREATE "user.bob.Old Mail"');
    await admin.logout();
    const toAlice = await deliver(p.a.lmtpPort, 'alice', 3);
    const toBob = await deliver(p.a.lmtpPort, 'bob', 2);
    await eventually('alice and bob on B', async () => [...(await messageIdsOf(p.b.imapPort, 'alice')), ...(await messageIdsOf(p.b.imapPort, 'bob'))], (ids) => ids.length === toAlice.length + toBob.length);
    const passwordFile = join(dir, 'admin.pw');
    writeFileSync(passwordFile, 'secret\n', { mode: 0o600 });
    const args = ['compare', '--master', `127.0.0.1:${p.a.imapPort}`, '--replica', `127.0.0.1:${p.b.imapPort}`, '--password-file', passwordFile, '-C', p.a.masterConf];
    const same = await cli(args);
    expect(same.out.trim()).toBe('compared 2 user(s), 3 mailbox(es), 5 message(s): identical');
    expect(same.code).toBe(0);

    // on the replica, as alice: UID 3 expunged, UID 2 flagged; the master knows nothing of it
    const onB = await ImapClient.connect(p.b.imapPort);
    await onB.login('alice');
    await onB.select('INBOX');
    await onB.ok('UID STORE 2 +FLAGS (\\Flagged)');
    await onB.ok('UID STORE 3 +FLAGS (\\Deleted)');
    await onB.ok('UID EXPUNGE 3');
    await onB.logout();
    const differ = await cli([...args, '--json']);
    expect(differ.code).toBe(4);
    const doc = JSON.parse(differ.out) as CompareJson;
    expect(doc).toMatchObject({ exitCode: 4, identical: false, users: ['alice', 'bob'], differingUsers: ['alice'] });
    const perMessage = doc.differences.filter((d) => d.uid !== null);
    expect(perMessage.map((d) => [d.user, d.mailbox, d.uid, d.what])).toEqual([['alice', 'INBOX', 2, 'flags'], ['alice', 'INBOX', 3, 'message']]);
    expect(perMessage[0]).toMatchObject({ master: '()', replica: '(\\Flagged)' });
    expect(perMessage[1]?.replica).toBe('(none)');
    // the mailbox's own state says so too, and nothing else differs
    expect(doc.differences.filter((d) => d.uid === null).map((d) => [d.user, d.mailbox, d.what])).toEqual([['alice', 'INBOX', 'highestmodseq'], ['alice', 'INBOX', 'exists']]);
    expect(doc.replicate).toEqual([`/usr/lib/cyrus/bin/sync_client -C ${p.a.masterConf} -u alice`]);
    const text = await cli(args);
    expect(text.code).toBe(4);
    expect(text.out).toContain('alice INBOX uid 3: message on one side only: master ');
    expect(text.out).toContain('alice INBOX uid 2: flags differs: master (), replica (\\Flagged)');
    expect(text.out).toMatch(/compared 2 user\(s\), 3 mailbox\(es\), 5 message\(s\): 4 difference\(s\) in 1 user\(s\): alice\nreplicate them with: .*sync_client -C .* -u alice\n {2}\(a full user sync reconciles both ways: .*\)\n$/);

    // what compare printed replicates alice again (sync_client -u: a full user sync, the master wins)
    const mended = await run(doc.replicate[0]?.split(' ') ?? []);
    expect(mended.code).toBe(0);
    const after = await cli([...args, '--json', 'alice']);
    expect((JSON.parse(after.out) as CompareJson).differences).toEqual([]);
    expect(after.code).toBe(0);
    // Cyrus reconciles both ways (3.6, measured): the replica's expunge and flag are now the master's too
    const onA = await ImapClient.connect(p.a.imapPort);
    await onA.login('alice');
    expect(await onA.select('INBOX')).toEqual({ exists: 2 });
    expect(await onA.search('FLAGGED')).toEqual([2]);
    await onA.logout();

    // swap's pair file works too: it finds the side running as master (a) and compares it with b
    const byPair = await cli(['compare', '--pair', p.pairFile]);
    expect(byPair.out).toBe(`quiesce compare: master 127.0.0.1:${p.a.imapPort}, replica 127.0.0.1:${p.b.imapPort} (${p.pairFile})\ncompared 2 user(s), 3 mailbox(es), 4 message(s): identical\n`);
    expect(byPair.code).toBe(0);

    // a sample of one user
    const sampled = JSON.parse((await cli([...args, '--json', '--sample', '1'])).out) as CompareJson;
    expect(sampled.users).toHaveLength(1);

    a.kill('SIGQUIT');
    expect((await a.exited).code).toBe(0);
    b.kill('SIGQUIT');
    expect((await b.exited).code).toBe(0);
  }, 120_000);

  it('exits 69 when a side is not there and 75 when it does not answer within --timeout, naming the side', async () => {
    const nobody = await freePort();
    const env = { QUIESCE_COMPARE_PASSWORD: 'secret' };
    const gone = await cli(['compare', '--master', `127.0.0.1:${nobody}`, '--replica', `127.0.0.1:${nobody}`], { env });
    expect(gone.code).toBe(69);
    expect(gone.out).toMatch(/^quiesce compare: the master cannot be used: 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    // a server that accepts and never greets
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent?.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const slow = await cli(['compare', '--master', `127.0.0.1:${port}`, '--replica', `127.0.0.1:${nobody}`, '--timeout', '1s'], { env });
    expect(slow.code).toBe(75);
    expect(slow.out).toMatch(/the master did not answer in time: 127\.0\.0\.1:\d+: no answer within 1000 ms/);
  });
});
