// The imapd.conf reader follows Cyrus 3.6 lib/libconfig.c: `key: value`, comments, continuation,
// duplicates, @include, and the sync_log_channels split of imap/sync_log.c.
import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from '../../../src/errors.js';
import { channelSetting, loadImapdConf, parseSwitch, splitChannels, type ImapdConf } from '../../../src/config/imapd-conf.js';

/** An in-memory file system for loadImapdConf. */
function files(map: Record<string, string>): (path: string) => Result<string, string> {
  return (path) => (path in map ? ok(map[path] as string) : err(`cannot read ${path}: ENOENT`));
}

function load(text: string, extra: Record<string, string> = {}): Result<ImapdConf, string> {
  return loadImapdConf('/etc/imapd.conf', files({ '/etc/imapd.conf': text, ...extra }));
}

function loaded(text: string, extra: Record<string, string> = {}): ImapdConf {
  const r = load(text, extra);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('loadImapdConf', () => {
  it('reads key: value lines, skipping comments and blank lines, keys case-insensitive', () => {
    const conf = loaded('# a comment\n\n   # indented comment\nConfigDirectory: /var/lib/cyrus\n  sync_log:   yes  \nsync_host: 10.0.0.2\n');
    expect(conf.configDirectory).toBe('/var/lib/cyrus');
    expect(conf.syncLog).toBe(true);
    expect(conf.entries.get('sync_host')).toEqual({ value: '10.0.0.2', file: '/etc/imapd.conf', line: 6 });
  });

  it('keeps a # inside a value (libconfig has no trailing comments)', () => {
    expect(loaded('configdirectory: /a\nsync_password: se#cret # not a comment\n').entries.get('sync_password')?.value).toBe('se#cret # not a comment');
  });

  it('joins a line ending in a backslash with the next, positioned at its first line', () => {
    const conf = loaded('configdirectory: /a\nsync_log_channels: one \\\ntwo\n');
    expect(conf.channels).toEqual(['one', 'two']);
    expect(conf.entries.get('sync_log_channels')?.line).toBe(2);
  });

  it('accepts CRLF line ends', () => {
    expect(loaded('configdirectory: /a\r\nsync_log: on\r\n').syncLog).toBe(true);
  });

  it('defaults: sync_log off, only the default channel', () => {
    const conf = loaded('configdirectory: /a\n');
    expect(conf.syncLog).toBe(false);
    expect(conf.channels).toEqual(['']);
  });

  it.each([
    ['sync_log = yes', /^\/etc\/imapd.conf:2: invalid option name \(imapd.conf wants `key: value`, not `key = value`\)/],
    ['sync_log : yes', /^\/etc\/imapd.conf:2: invalid option name/],
    ['weird.key: 1', /^\/etc\/imapd.conf:2: invalid option name/],
    ['sync_log:', /^\/etc\/imapd.conf:2: empty value for `sync_log`/],
    ['sync_log:    ', /^\/etc\/imapd.conf:2: empty value for `sync_log`/],
    ['sync_log: maybe', /^\/etc\/imapd.conf:2: `sync_log`: expected yes\/no/],
    ['CONFIGDIRECTORY: /b', /^\/etc\/imapd.conf:2: `configdirectory` is set twice \(first at \/etc\/imapd.conf:1\)/],
    ['@frobnicate: x', /^\/etc\/imapd.conf:2: invalid directive `@frobnicate`/],
  ])('rejects `%s` with its line number', (line, message) => {
    const r = load(`configdirectory: /a\n${line}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });

  it('requires an absolute configdirectory', () => {
    expect(load('sync_log: yes\n')).toEqual(err('/etc/imapd.conf: `configdirectory` is not set'));
    expect(load('configdirectory: var/lib\n')).toEqual(err('/etc/imapd.conf:1: `configdirectory` must be an absolute path, got `var/lib`'));
  });

  it('reports an unreadable file', () => {
    expect(loadImapdConf('/nope', files({}))).toEqual(err('cannot read /nope: ENOENT'));
  });

  it('reads @include files in place, positions pointing into them', () => {
    const conf = loaded('configdirectory: /a\n@include: /etc/sync.conf\nsync_log: 1\n', { '/etc/sync.conf': '# sync\nsync_host: b.example\n' });
    expect(conf.entries.get('sync_host')).toEqual({ value: 'b.example', file: '/etc/sync.conf', line: 2 });
    expect(conf.syncLog).toBe(true);
  });

  it('rejects a key set in the main file and in an include, and an include loop', () => {
    const dup = load('configdirectory: /a\n@include: /etc/more.conf\n', { '/etc/more.conf': 'configdirectory: /b\n' });
    expect(dup).toEqual(err('/etc/more.conf:1: `configdirectory` is set twice (first at /etc/imapd.conf:1)'));
    const loop = load('configdirectory: /a\n@include: /etc/imapd.conf\n');
    expect(loop).toEqual(err('/etc/imapd.conf:2: `/etc/imapd.conf` is included twice'));
    const missing = load('configdirectory: /a\n@include: /etc/none.conf\n');
    expect(missing).toEqual(err('/etc/imapd.conf:2: @include: cannot read /etc/none.conf: ENOENT'));
  });
});

describe('splitChannels (sync_log.c)', () => {
  it.each([
    [undefined, ['']],
    ['""', ['']],
    ['"" squatter', ['', 'squatter']],
    ['replicaB  replicaC', ['replicaB', 'replicaC']],
    ['a "" b', ['a', '', 'b']],
  ])('%j -> %j', (value, channels) => {
    expect(splitChannels(value)).toEqual(channels);
  });
});

describe('channelSetting (sync_get_config)', () => {
  const conf = loaded('configdirectory: /a\nsync_log_channels: "" east west\nsync_host: main.example\neast_sync_host: east.example\n');
  it('prefers <channel>_<key>, then the plain key', () => {
    expect(channelSetting(conf, 'east', 'sync_host')).toBe('east.example');
    expect(channelSetting(conf, 'west', 'sync_host')).toBe('main.example');
    expect(channelSetting(conf, '', 'sync_host')).toBe('main.example');
    expect(channelSetting(conf, 'east', 'sync_port')).toBeUndefined();
  });
  it('looks the channel name up as is, like Cyrus (keys are lowercased, so East_ never matches)', () => {
    expect(channelSetting(conf, 'East', 'sync_host')).toBe('main.example');
  });
});

describe('parseSwitch (config_parse_switch)', () => {
  it.each([
    ['yes', true], ['on', true], ['1', true], ['true', true], ['t', true],
    ['no', false], ['off', false], ['0', false], ['false', false],
    ['maybe', undefined], ['', undefined],
  ])('%s -> %s', (v, b) => {
    expect(parseSwitch(v)).toBe(b);
  });
});
