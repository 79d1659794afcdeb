import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSyslogLine, type SyslogRecord } from '../../../src/ops/syslog-line.js';
import { startSyslogSink, unescapeLine, type SyslogSink } from '../../../src/ops/syslog-sink.js';
import { findInPath } from '../../../src/path-search.js';

const run = promisify(execFile);

let dir: string;
let path: string;
let sink: SyslogSink | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-syslog-'));
  path = join(dir, 'log');
});

afterEach(async () => {
  await sink?.close();
  sink = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function collector(): { records: SyslogRecord[]; next: (n: number) => Promise<SyslogRecord[]>; onRecord: (r: SyslogRecord) => void } {
  const records: SyslogRecord[] = [];
  let waiters: (() => boolean)[] = [];
  return {
    records,
    onRecord: (r) => {
      records.push(r);
      waiters = waiters.filter((w) => !w());
    },
    next: (n) => new Promise((resolve) => {
      const check = (): boolean => (records.length >= n ? (resolve(records.slice(0, n)), true) : false);
      if (!check()) waiters.push(check);
    }),
  };
}

describe('syslog sink', () => {
  it('receives lines sent by syslog(3) clients and parses program, pid and severity', async () => {
    const c = collector();
    const started = await startSyslogSink(path, { onRecord: c.onRecord });
    if (!started.ok) throw new Error(started.error);
    sink = started.value;
    expect(statSync(path).mode & 0o777).toBe(0o666);

    if (findInPath('logger', process.env.PATH) !== undefined) {
      await run('logger', ['-u', path, '--socket-errors=on', '-t', 'imapd', '--id=123', '-p', 'mail.warning', 'login: user1 plaintext']);
    } else {
      await run('perl', ['-MIO::Socket::UNIX', '-MSocket', '-e', `IO::Socket::UNIX->new(Type=>SOCK_DGRAM, Peer=>$ARGV[0])->send("<20>Nov 23 07:34:56 imapd[123]: login: user1 plaintext")`, path]);
    }
    // Perl's Sys::Syslog speaks to the socket like glibc's syslog(3) does.
    await run('perl', ['-MSys::Syslog=:standard,setlogsock', '-e', 'setlogsock({type=>"unix", path=>$ARGV[0]}); openlog("ctl_cyrusdb","pid","mail"); syslog("err","two\\nlines"); closelog()', path]);
    const [first, second] = await c.next(2);
    expect(first).toMatchObject({ program: 'imapd', pid: 123, severity: 'warning', facility: 2, message: 'login: user1 plaintext' });
    expect(second).toMatchObject({ program: 'ctl_cyrusdb', severity: 'err', facility: 2, message: 'two\nlines' });
    expect(second?.pid).toBeGreaterThan(0);
  });

  it('removes its socket on close and replaces a stale one, but refuses a regular file', async () => {
    const first = await startSyslogSink(path, { onRecord: () => undefined });
    if (!first.ok) throw new Error(first.error);
    const busy = await startSyslogSink(path, { onRecord: () => undefined });
    expect(busy).toEqual({ ok: false, error: `syslog socket ${path}: another process receives on ${path}` });
    await first.value.close();
    expect(existsSync(path)).toBe(false);

    // A socket whose receiver was SIGKILLed: stale, replaced.
    await run('perl', ['-MIO::Socket::UNIX', '-MSocket', '-e', 'IO::Socket::UNIX->new(Type=>SOCK_DGRAM, Local=>$ARGV[0]) or die; kill 9, $$', path]).catch(() => undefined);
    expect(statSync(path).isSocket()).toBe(true);
    const again = await startSyslogSink(path, { onRecord: () => undefined });
    expect(again.ok).toBe(true);
    if (again.ok) await again.value.close();

    const file = join(dir, 'plain');
    writeFileSync(file, '');
    expect(await startSyslogSink(file, { onRecord: () => undefined })).toEqual({ ok: false, error: `syslog socket ${file}: ${file} exists and is not a socket` });
  });
});

describe('parseSyslogLine', () => {
  it.each([
    ['<20>Nov 23 07:34:56 imapd[123]: hello', { program: 'imapd', pid: 123, severity: 'warning', facility: 2, timestamp: 'Nov 23 07:34:56', message: 'hello' }],
    ['<19>Nov  3 07:34:56 vm imapd: x y', { program: 'imapd', pid: undefined, severity: 'err', facility: 2, timestamp: 'Nov  3 07:34:56', message: 'x y' }],
    ['<13>Nov 23 07:34:56 lmtpd: no pid\n', { program: 'lmtpd', pid: undefined, severity: 'notice', facility: 1, timestamp: 'Nov 23 07:34:56', message: 'no pid' }],
    ['<166>Nov 23 07:34:56 master[9]: IOERROR: a: b', { program: 'master', pid: 9, severity: 'info', facility: 20, timestamp: 'Nov 23 07:34:56', message: 'IOERROR: a: b' }],
    ['no header at all', { program: undefined, pid: undefined, severity: 'notice', facility: 1, timestamp: undefined, message: 'no header at all' }],
  ])('%j', (line, record) => expect(parseSyslogLine(line)).toEqual(record));

  it('undoes the helper escaping', () => expect(unescapeLine('a\\\\n\\nb')).toBe('a\\n\nb'));
});
