// compare() against two small fake IMAP servers (127.0.0.1): users listed by either side, those
// named or a sample, at most `concurrency` at once; a user the replica refuses is missing there;
// progress after each user; literals and quoted names read; nothing but read-only commands sent.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { compare } from '../../src/compare/compare.js';

interface FakeMessage { uid: number; size: number; flags: string; guid: string }
/** user -> mailbox -> messages */
type Store = Record<string, Record<string, FakeMessage[]>>;

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

/** A fake Cyrus: AUTHENTICATE PLAIN (admin `cyrus`, any user as authzid that exists), NAMESPACE, LIST, EXAMINE, UID FETCH, LOGOUT. */
async function fakeImap(store: Store, seen: { commands: string[]; open: number; maxOpen: number }): Promise<number> {
  const server = createServer((socket: Socket) => {
    seen.open++;
    seen.maxOpen = Math.max(seen.maxOpen, seen.open);
    socket.on('close', () => seen.open--);
    socket.setNoDelay(true); // it answers in several writes: Nagle against the client's delayed ACK costs 40 ms each
    let user: string | undefined;
    let box: FakeMessage[] = [];
    let buffer = '';
    socket.write('* OK fake ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const [tag, command = '', ...args] = line.split(' ');
        seen.commands.push(command.toUpperCase() === 'UID' ? `UID ${args[0] ?? ''}` : command.toUpperCase());
        const okLine = (text = 'done'): void => void socket.write(`${tag} OK ${text}\r\n`);
        switch (command.toUpperCase()) {
          case 'AUTHENTICATE': {
            const [authz, authn] = Buffer.from(args[1] ?? '', 'base64').toString('utf8').split('\0');
            if (authn !== 'cyrus' || (authz !== '' && authz !== undefined && store[authz] === undefined)) socket.write(`${tag} NO authentication failed\r\n`);
            else {
              user = authz === '' ? undefined : authz;
              okLine();
            }
            break;
          }
          case 'NAMESPACE':
            socket.write(user === undefined ? '* NAMESPACE NIL (("user." ".")) (("" "."))\r\n' : '* NAMESPACE (("INBOX." ".")) (("user." ".")) (("" "."))\r\n');
            okLine();
            break;
          case 'LIST':
            if (user === undefined) for (const u of Object.keys(store)) socket.write(`* LIST (\\HasChildren) "." user.${u}\r\n`);
            else {
              for (const name of Object.keys(store[user] ?? {})) {
                // one name as a literal, one quoted, the others as atoms
                socket.write(name.includes(' ') ? `* LIST (\\HasNoChildren) "." {${name.length}}\r\n${name}\r\n` : `* LIST (\\HasNoChildren) "." ${name}\r\n`);
              }
              socket.write('* LIST (\\Noselect) "." INBOX.Archive\r\n');
            }
            okLine();
            break;
          case 'EXAMINE': {
            const raw = args.slice(0, -1).join(' ');
            const name = raw.startsWith('"') ? raw.slice(1, -1) : raw;
            box = store[user ?? '']?.[name] ?? [];
            socket.write(`* ${box.length} EXISTS\r\n* OK [UIDVALIDITY 7] Ok\r\n* OK [UIDNEXT ${box.length + 1}] Ok\r\n* OK [HIGHESTMODSEQ 3] Ok\r\n`);
            okLine('[READ-ONLY] done');
            break;
          }
          case 'UID':
            box.forEach((m, i) => socket.write(`* ${i + 1} FETCH (UID ${m.uid} RFC822.SIZE ${m.size} FLAGS (${m.flags}) DIGEST.SHA1 ${m.guid})\r\n`));
            okLine();
            break;
          case 'LOGOUT':
            socket.end(`* BYE\r\n${tag} OK bye\r\n`);
            break;
          default:
            socket.write(`${tag} BAD unexpected ${command}\r\n`);
        }
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

const m = (uid: number, flags = ''): FakeMessage => ({ uid, size: 100 + uid, flags, guid: `g${uid}` });
const users = (n: number): Store => Object.fromEntries(Array.from({ length: n }, (_, i) => [`u${i}`, { INBOX: [m(1), m(2, '\\Seen')], 'INBOX.Old Mail': [m(1)] }]));

async function pair(master: Store, replica: Store) {
  const seen = { master: { commands: [] as string[], open: 0, maxOpen: 0 }, replica: { commands: [] as string[], open: 0, maxOpen: 0 } };
  const endpoint = async (s: Store, which: 'master' | 'replica') => ({ host: '127.0.0.1', port: await fakeImap(s, seen[which]), tls: false, user: 'cyrus', password: 'x' });
  return { master: await endpoint(master, 'master'), replica: await endpoint(replica, 'replica'), seen };
}

describe('compare against fake IMAP servers', () => {
  it('compares every user either side lists, at most `concurrency` at a time, reporting progress, and only reads', async () => {
    const replica = users(6);
    delete replica.u5; // the replica refuses a login as u5: no such user there
    replica.u2 = { INBOX: [m(1), m(2)], 'INBOX.Old Mail': [m(1)] };
    const p = await pair(users(6), replica);
    const progress: string[] = [];
    const r = await compare({ master: p.master, replica: p.replica, concurrency: 2, timeoutMs: 5_000, onProgress: (done, total, n) => progress.push(`${done}/${total}:${n}`) });
    expect(r.kind).toBe('compared');
    if (r.kind !== 'compared') return;
    expect(r.users).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    expect(r.differences.map((d) => [d.user, d.mailbox, d.uid, d.what, d.master, d.replica])).toEqual([
      ['u2', 'INBOX', 2, 'flags', '(\\Seen)', '()'],
      ['u5', undefined, undefined, 'user', '2 mailbox(es)', '(none)'],
    ]);
    expect(r.differingUsers).toEqual(['u2', 'u5']);
    expect(r.mailboxes).toBe(12);
    expect(r.messages).toBe(18);
    expect(progress).toHaveLength(6);
    expect(progress.at(-1)).toBe('6/6:2');
    // one admin session per side, then two users at a time: never more than 2 connections to a side
    expect(p.seen.master.maxOpen).toBeLessThanOrEqual(2);
    expect(new Set([...p.seen.master.commands, ...p.seen.replica.commands])).toEqual(new Set(['AUTHENTICATE', 'NAMESPACE', 'LIST', 'EXAMINE', 'UID FETCH', 'LOGOUT']));
  });

  it('compares only the users named, or a sample of them', async () => {
    const p = await pair(users(5), users(5));
    const named = await compare({ master: p.master, replica: p.replica, users: ['u3', 'u1'], concurrency: 4, timeoutMs: 5_000 });
    expect(named.kind === 'compared' && named.users).toEqual(['u1', 'u3']);
    const sampled = await compare({ master: p.master, replica: p.replica, sample: 2, concurrency: 4, timeoutMs: 5_000, random: () => 0 });
    expect(sampled.kind === 'compared' && sampled.users).toEqual(['u0', 'u1']);
  });

  it('fails, naming the side, when the admin cannot log in there', async () => {
    const p = await pair(users(1), users(1));
    const r = await compare({ master: p.master, replica: { ...p.replica, user: 'nobody' }, concurrency: 1, timeoutMs: 5_000 });
    expect(r).toMatchObject({ kind: 'failed', side: 'replica', failure: { reason: 'refused', message: expect.stringMatching(/nobody cannot log in: NO authentication failed/) as string } });
  });
});
