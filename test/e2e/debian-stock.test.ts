// Debian's own /etc/cyrus.conf and /etc/imapd.conf, unchanged, under quiesce: read directly (-M, as
// master reads it) and converted (`quiesce convert`). Every service answers by its protocol: imap,
// pop3, nntp, http, sieve, the lmtp unix socket, and notifyd on its datagram socket (a notification
// sent there comes back through syslog(3)). SIGQUIT ends everything with exit 0, nothing left.
// The stock config listens on every address, so quiesce runs in a network namespace of its own.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { findTagged } from '../../src/child/kill-tree.js';
import { cleanup, CLI, ev, FIXTURES, isAlive, tempDir, type Quiesce } from '../integration/harness.js';
import { describeCyrus } from './harness/cyrus.js';
import { inNamespaceOf, startInNamespace } from './harness/namespace.js';

const STOCK_PROGRAMS = ['imapd', 'pop3d', 'nntpd', 'httpd', 'timsieved', 'notifyd', 'lmtpd'];
const GREET = join(FIXTURES, 'greet.mjs');

/** What each TCP service of the stock file says first, and what it is asked to get there. */
const TCP_ANSWERS: readonly [string, string, string | undefined, RegExp][] = [
  ['imap', '127.0.0.1:143', undefined, /^\* OK/],
  ['pop3', '127.0.0.1:110', undefined, /^\+OK/],
  ['nntp', '127.0.0.1:119', undefined, /^20[01] /],
  ['http', '127.0.0.1:8008', 'GET / HTTP/1.0\\r\\n\\r\\n', /^HTTP\/1\.[01] \d{3} /],
  ['sieve', '127.0.0.1:4190', undefined, /^"IMPLEMENTATION" "Cyrus timsieved/],
];

/** A notifyd request (notifyd.c: method NUL class NUL priority NUL user NUL mailbox NUL nopt NUL message NUL), method "log": notifyd syslogs it. */
const notification = (marker: string): string => `log\0quiesce\0normal\0cyrus\0INBOX\x000\0${marker}\0`;

afterEach(cleanup);

describeCyrus("Debian's stock cyrus.conf and imapd.conf under quiesce", () => {
  it.runIf(STOCK_PROGRAMS.every((p) => existsSync(`/usr/lib/cyrus/bin/${p}`)) || process.env.QUIESCE_REQUIRE_CYRUS === '1').each([
    ['read directly (-M /etc/cyrus.conf, as master)', (_: string) => ['-M', '/etc/cyrus.conf']],
    ['converted by quiesce convert', (dir: string) => {
      const converted = join(dir, 'cyrus.yaml');
      const r = spawnSync(process.execPath, [CLI, 'convert', '/etc/cyrus.conf'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      writeFileSync(converted, r.stdout);
      return ['-c', converted];
    }],
  ])('%s: every service answers, SIGQUIT exits 0 and leaves nothing', async (_, configArgs) => {
    // the stock instance's files (/var/lib/cyrus, /run/cyrus/socket) are shared with a running cyrus-imapd
    const stock = ['/run/cyrus-master.pid', '/var/lib/cyrus/master.pid'].map((f) => (existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : 0)).filter((p) => p > 0 && isAlive(p));
    if (stock.length > 0) throw new Error(`a Cyrus master (pid ${stock.join(', ')}) runs the stock instance: stop cyrus-imapd before this test`);
    const dir = tempDir();
    const q: Quiesce = startInNamespace(dir, ['run', ...configArgs(dir), '--set', 'syslog_socket=/dev/log', '--log-format', 'json']);
    await q.waitForLog(ev('supervisor.running'), 'the stock config running');
    for (const [name, address, send, answer] of TCP_ANSWERS) {
      const r = await inNamespaceOf(q.pid, [process.execPath, GREET, address, ...(send === undefined ? [] : [send])]);
      expect({ name, ...r }).toMatchObject({ name, code: 0, out: expect.stringMatching(answer) as unknown });
    }
    const lmtp = await inNamespaceOf(q.pid, [process.execPath, GREET, '/run/cyrus/socket/lmtp']);
    expect(lmtp.out).toMatch(/^220 /);
    // notifyd: the datagram socket is quiesce's (held by its helper), read by notifyd, which syslogs the notification
    const marker = `quiesce-probe-${process.pid}`;
    const sent = spawnSync('perl', ['-e', 'use Socket; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; send($s, pack("H*", $ARGV[0]), 0, pack_sockaddr_un("/run/cyrus/socket/notify")) or die "send: $!"', Buffer.from(notification(marker)).toString('hex')]);
    expect(sent.status, sent.stderr.toString()).toBe(0);
    const logged = await q.waitForLog((l) => l.event === 'syslog.line' && String(l.message).includes(marker), 'notifyd logging the notification');
    expect(logged.program).toBe('cyrus/notify'); // syslog_prefix/service name

    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(q.logs.find(ev('shutdown.done'))).toMatchObject({ exitCode: 0 });
    expect(findTagged(`${q.pid}.`, true).filter(isAlive)).toEqual([]);
    expect(['/run/cyrus/socket/lmtp', '/run/cyrus/socket/notify', '/var/lib/cyrus/master.ready'].filter((p) => existsSync(p))).toEqual([]);
    // no listener of the namespace survived it (the namespace itself went with its last process)
    expect(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => STOCK_PROGRAMS.some((p) => l.startsWith(`/usr/lib/cyrus/bin/${p}`)))).toEqual([]);
  });
});
