// The sync log layout per channel and the backlog as read from real files in a temp dir.
import { appendFileSync, linkSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { loadImapdConf, type ImapdConf } from '../../../src/config/imapd-conf.js';
import { countLines, countLinesSync, LINE_COUNT_CHUNK_BYTES } from '../../../src/replication/line-count.js';
import { replayCommand } from '../../../src/replication/replay-command.js';
import { awaitsSyncClient, backlogOf, backlogOfSync, channelsOf, describeBacklog, isEmpty, isReplicated, type Channel } from '../../../src/replication/sync-dir.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-syncdir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function conf(lines: string): ImapdConf {
  const file = join(dir, 'imapd.conf');
  writeFileSync(file, `configdirectory: ${dir}/conf\n${lines}`);
  const r = loadImapdConf(file);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('channelsOf', () => {
  it('maps the default channel to sync/log and channel X to sync/X/log, work file <log>-run', () => {
    const c = conf('sync_log_channels: "" east squatter\nsync_host: main\neast_sync_host: east\neast_sync_port: 2006\neast_sync_shutdown_file: /tmp/stop-east\n');
    expect(channelsOf(c, '/opt/cyrus/bin/sync_client')).toEqual<Channel[]>([
      { name: '', logPath: `${dir}/conf/sync/log`, runPath: `${dir}/conf/sync/log-run`, consumer: 'sync_client', confFile: c.file, syncHost: 'main', syncPort: undefined, shutdownFile: undefined, syncClient: '/opt/cyrus/bin/sync_client' },
      { name: 'east', logPath: `${dir}/conf/sync/east/log`, runPath: `${dir}/conf/sync/east/log-run`, consumer: 'sync_client', confFile: c.file, syncHost: 'east', syncPort: '2006', shutdownFile: '/tmp/stop-east', syncClient: '/opt/cyrus/bin/sync_client' },
      { name: 'squatter', logPath: `${dir}/conf/sync/squatter/log`, runPath: `${dir}/conf/sync/squatter/log-run`, consumer: 'squatter', confFile: c.file, syncHost: 'main', syncPort: undefined, shutdownFile: undefined, syncClient: '/opt/cyrus/bin/sync_client' },
    ]);
  });

  it('has only the default channel when sync_log_channels is unset', () => {
    expect(channelsOf(conf('')).map((c) => c.logPath)).toEqual([`${dir}/conf/sync/log`]);
  });
});

describe('replayCommand', () => {
  it('renders sync_client -C CONF [-n CHANNEL] -R -1, quoting for sh', () => {
    expect(replayCommand({ confFile: '/etc/imapd.conf', channel: '' })).toBe('/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -R -1');
    expect(replayCommand({ confFile: "/etc/my imapd's.conf", channel: 'east' }, '/opt/sync_client')).toBe(`/opt/sync_client -C '/etc/my imapd'\\''s.conf' -n east -R -1`);
  });
});

describe('backlogOf', () => {
  const lines = (n: number, user = 'alice') => Array.from({ length: n }, () => `APPEND user.${user}\nMAILBOX user.${user}\n`).join('');

  it('reports an empty channel when neither log nor log-run exists (even without the sync dir)', async () => {
    const [channel] = channelsOf(conf(''));
    const b = await backlogOf(channel as Channel, new ManualClock(0));
    expect(b).toMatchObject({ channel: '', files: [], bytes: 0, lines: 0, oldestAgeMs: undefined, error: undefined });
    expect(isEmpty(b)).toBe(true);
    expect(describeBacklog(b)).toBe('channel (default): empty');
  });

  it('counts files, bytes and lines of log-run and log, log-run first, age from the oldest birth time', async () => {
    const [, east] = channelsOf(conf('sync_log_channels: "" east\n'));
    const channel = east as Channel;
    mkdirSync(join(dir, 'conf/sync/east'), { recursive: true });
    writeFileSync(channel.runPath, lines(20));
    writeFileSync(channel.logPath, lines(5, 'bob'));
    const born = Math.min(statSync(channel.runPath).birthtimeMs || statSync(channel.runPath).mtimeMs, statSync(channel.logPath).birthtimeMs || statSync(channel.logPath).mtimeMs);
    const clock = new ManualClock(born + 90_000);
    const b = await backlogOf(channel, clock);
    expect(b.files).toEqual([channel.runPath, channel.logPath]);
    expect(b.pending.map((f) => [f.kind, f.lines])).toEqual([['log-run', 40], ['log', 10]]);
    expect(b.lines).toBe(50);
    expect(b.bytes).toBe(Buffer.byteLength(lines(20)) + Buffer.byteLength(lines(5, 'bob')));
    expect(b.oldestAgeMs).toBe(90_000);
    expect(b.replay).toBe(`/usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -n east -R -1`);
    expect(backlogOfSync(channel, clock)).toEqual(b);
    expect(describeBacklog(b)).toBe(`channel east: log-run + log, 50 lines, ${b.bytes} bytes, oldest 1m30s`);
  });

  it('keeps the age of a log appended to just now (birth time, not mtime)', async () => {
    const [channel] = channelsOf(conf('')) as [Channel];
    mkdirSync(join(dir, 'conf/sync'), { recursive: true });
    writeFileSync(channel.logPath, 'MAILBOX user.alice\n');
    const s = statSync(channel.logPath);
    if (s.birthtimeMs === 0) return; // a filesystem without birth times: mtime is all there is
    const clock = new ManualClock(s.birthtimeMs + 600_000);
    appendFileSync(channel.logPath, 'MAILBOX user.bob\n');
    expect((await backlogOf(channel, clock)).oldestAgeMs).toBe(600_000);
  });

  it('counts a log renamed to log-run between the two looks once (same inode)', async () => {
    const [channel] = channelsOf(conf('')) as [Channel];
    mkdirSync(join(dir, 'conf/sync'), { recursive: true });
    writeFileSync(channel.logPath, lines(3));
    renameSync(channel.logPath, channel.runPath);
    // what a look at `log` before the rename and at `log-run` after it sees: one inode, two names
    linkSync(channel.runPath, channel.logPath);
    const b = await backlogOf(channel, new ManualClock(Date.now()));
    expect(b.pending.map((f) => f.kind)).toEqual(['log-run']);
    expect(b.lines).toBe(6);
  });

  it('counts every other log* file of the channel directory (an old log-<pid>), not the named channels\' directories', async () => {
    const [def, east] = channelsOf(conf('sync_log_channels: "" east logs\n')) as [Channel, Channel];
    mkdirSync(join(dir, 'conf/sync/east'), { recursive: true });
    mkdirSync(join(dir, 'conf/sync/logs'), { recursive: true }); // channel "logs": a directory, never a log of the default channel
    writeFileSync(join(dir, 'conf/sync/log-4242'), lines(2));
    writeFileSync(join(dir, 'conf/sync/log.saved'), lines(1));
    writeFileSync(def.logPath, lines(1, 'bob'));
    writeFileSync(join(dir, 'conf/sync/east/log-17'), lines(1));
    const clock = new ManualClock(Date.now());
    const b = await backlogOf(def, clock);
    expect(b.pending.map((f) => [f.kind, f.path, f.lines])).toEqual([
      ['log', def.logPath, 2],
      ['other', join(dir, 'conf/sync/log-4242'), 4],
      ['other', join(dir, 'conf/sync/log.saved'), 2],
    ]);
    expect(b.lines).toBe(8);
    expect(isEmpty(b)).toBe(false);
    expect(awaitsSyncClient(b)).toBe(true);
    expect(b.replay).toBe([
      `/usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -R -1`,
      `/usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -R -f ${dir}/conf/sync/log-4242 && rm -- ${dir}/conf/sync/log-4242`,
      `/usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -R -f ${dir}/conf/sync/log.saved && rm -- ${dir}/conf/sync/log.saved`,
    ].join('; '));
    expect(describeBacklog(b)).toMatch(/^channel \(default\): log \+ log-4242 \+ log\.saved, 8 lines, \d+ bytes, oldest /);
    expect(backlogOfSync(def, clock)).toEqual(b);
    // only other files: nothing the rolling sync_client drains, still not replicated
    const e = await backlogOf(east, clock);
    expect(e.pending.map((f) => f.kind)).toEqual(['other']);
    expect(awaitsSyncClient(e)).toBe(false);
    expect(isReplicated(e)).toBe(false);
    expect(e.replay).toBe(`/usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -n east -R -f ${dir}/conf/sync/east/log-17 && rm -- ${dir}/conf/sync/east/log-17`);
  });

  it('names every user a skipuser- file makes sync_client skip: empty, yet not replicated', async () => {
    const [def, east] = channelsOf(conf('sync_log_channels: "" east\n')) as [Channel, Channel];
    mkdirSync(join(dir, 'conf/sync/east'), { recursive: true });
    writeFileSync(join(dir, 'conf/sync/skipuser-bob'), '');
    writeFileSync(join(dir, 'conf/sync/skipuser-alice.smith'), '');
    writeFileSync(join(dir, 'conf/sync/skipuser-'), ''); // no user: sync_client never looks for it
    const clock = new ManualClock(Date.now());
    const b = await backlogOf(def, clock);
    expect(b.skipped).toEqual([
      { user: 'alice.smith', path: join(dir, 'conf/sync/skipuser-alice.smith') },
      { user: 'bob', path: join(dir, 'conf/sync/skipuser-bob') },
    ]);
    expect(isEmpty(b)).toBe(true);
    expect(awaitsSyncClient(b)).toBe(false);
    expect(isReplicated(b)).toBe(false);
    expect(describeBacklog(b)).toBe(`channel (default): empty, but user alice.smith NOT replicated (sync_client skips it: ${dir}/conf/sync/skipuser-alice.smith), user bob NOT replicated (sync_client skips it: ${dir}/conf/sync/skipuser-bob)`);
    expect(b.replay).toBe(`rm -- ${dir}/conf/sync/skipuser-alice.smith && /usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -u alice.smith; rm -- ${dir}/conf/sync/skipuser-bob && /usr/lib/cyrus/bin/sync_client -C ${dir}/imapd.conf -u bob`);
    expect(backlogOfSync(def, clock)).toEqual(b);
    // another channel's directory has its own
    expect((await backlogOf(east, clock)).skipped).toEqual([]);
  });

  it('marks a channel directory that cannot be listed as an error', () => {
    const [channel] = channelsOf(conf('')) as [Channel];
    mkdirSync(join(dir, 'conf'), { recursive: true });
    writeFileSync(join(dir, 'conf/sync'), ''); // a file where the directory should be: ENOTDIR
    const b = backlogOfSync(channel, new ManualClock(Date.now()));
    expect(b.error).toMatch(/conf\/sync: .*ENOTDIR/);
    expect(isReplicated(b)).toBe(false);
  });

  it('marks an unreadable file as an error, so the channel is not verifiably empty', async () => {
    const [channel] = channelsOf(conf('')) as [Channel];
    mkdirSync(channel.logPath, { recursive: true }); // a directory where the log should be: EISDIR on read
    const b = await backlogOf(channel, new ManualClock(Date.now()));
    expect(b.error).toMatch(/sync\/log: .*EISDIR/);
    expect(isEmpty(b)).toBe(false);
  });
});

describe('countLines', () => {
  it('counts across chunk boundaries, a last line without newline included, without reading it whole', async () => {
    const file = join(dir, 'big');
    const line = 'APPEND user.someone.with.a.long.name\n';
    const n = Math.ceil((3 * LINE_COUNT_CHUNK_BYTES) / line.length) + 1;
    writeFileSync(file, line.repeat(n) + 'MAILBOX user.x');
    const expected = { lines: n + 1, bytes: line.length * n + 'MAILBOX user.x'.length };
    expect(await countLines(file)).toEqual(expected);
    expect(countLinesSync(file)).toEqual(expected);
  });

  it('counts an empty file as 0 lines', async () => {
    const file = join(dir, 'empty');
    writeFileSync(file, '');
    expect(await countLines(file)).toEqual({ lines: 0, bytes: 0 });
  });
});
