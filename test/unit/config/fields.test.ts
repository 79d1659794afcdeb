import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAt, parseDuration, parseListen, parseSignal, splitCommand } from '../../../src/config/fields.js';
import { err, ok } from '../../../src/errors.js';

const DURATION = 'expected a duration like 500ms, 10s, 2m, 1h';

describe('parseDuration', () => {
  it.each<[unknown, 's' | 'm', number]>([
    ['500ms', 's', 500],
    ['10s', 's', 10_000],
    ['2m', 's', 120_000],
    ['1h', 's', 3_600_000],
    ['1.5s', 's', 1_500],
    [' 10 s ', 's', 10_000],
    [10, 's', 10_000],
    ['10', 's', 10_000],
    [0, 's', 0],
    [0.25, 's', 250],
    [30, 'm', 1_800_000],
    ['30', 'm', 1_800_000],
    ['90s', 'm', 90_000],
  ])('%j with bare unit %s is %d ms', (v, unit, ms) => {
    expect(parseDuration(v, unit)).toEqual(ok(ms));
  });

  it.each<[unknown, 's' | 'm', string]>([
    ['10 parsecs', 's', `${DURATION}, got \`10 parsecs\``],
    [-1, 's', `${DURATION}, got \`-1\``],
    ['-1s', 's', `${DURATION}, got \`-1s\``],
    ['', 's', `${DURATION}, got an empty string`],
    [true, 's', `${DURATION}, got \`true\``],
    [null, 's', `${DURATION}, got an empty value`],
    [[1], 's', `${DURATION}, got a list`],
    ['1d', 'm', `${DURATION} (a bare number is minutes), got \`1d\``],
  ])('rejects %j', (v, unit, message) => {
    expect(parseDuration(v, unit)).toEqual(err(message));
  });
});

describe('parseSignal', () => {
  it.each([
    ['SIGQUIT', 'SIGQUIT'],
    ['QUIT', 'SIGQUIT'],
    ['quit', 'SIGQUIT'],
    ['sigterm', 'SIGTERM'],
    ['HUP', 'SIGHUP'],
  ])('%s is %s', (v, name) => {
    expect(parseSignal(v)).toEqual(ok(name));
  });

  it.each<[unknown, string]>([
    ['SIGFOO', 'unknown signal `SIGFOO`'],
    ['', 'unknown signal ``'],
    [3, 'expected a signal name like SIGQUIT, got `3`'],
    [{}, 'expected a signal name like SIGQUIT, got a mapping'],
  ])('rejects %j', (v, message) => {
    expect(parseSignal(v)).toEqual(err(message));
  });
});

describe('splitCommand', () => {
  it.each<[string, string[]]>([
    ['imapd', ['imapd']],
    ['imapd -U 30', ['imapd', '-U', '30']],
    ['  sync_client   -r  ', ['sync_client', '-r']],
    [`sh -c 'echo "a b"; exit 1'`, ['sh', '-c', 'echo "a b"; exit 1']],
    ['echo "a \\"quoted\\" word"', ['echo', 'a "quoted" word']],
    ['echo "back\\\\slash \\n"', ['echo', 'back\\slash \\n']],
    ['echo a\\ b', ['echo', 'a b']],
    [`echo ''`, ['echo', '']],
    [`echo pre'fix'"ed"`, ['echo', 'prefixed']],
    ['echo $HOME ~ *', ['echo', '$HOME', '~', '*']],
    ["echo 'it\\'", ['echo', 'it\\']],
  ])('%s', (cmd, argv) => {
    expect(splitCommand(cmd)).toEqual(ok(argv));
  });

  it.each([
    [`sh -c 'echo`, "unterminated single quote in `sh -c 'echo`"],
    ['echo "abc', 'unterminated double quote in `echo "abc`'],
    ['echo \\', 'trailing backslash in `echo \\`'],
    ['', 'expected a command, got an empty string'],
    ['   ', 'expected a command, got an empty string'],
  ])('rejects %j', (cmd, message) => {
    expect(splitCommand(cmd)).toEqual(err(message));
  });
});

describe('parseListen', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quiesce-services-'));
  const services = join(dir, 'services');
  writeFileSync(services, ['# name port/proto aliases', 'imap\t\t143/tcp\t\timap2', 'imap\t\t143/udp', 'lmtp\t\t24/udp', 'sieve\t\t4190/tcp\t# ManageSieve', ''].join('\n'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each<[unknown, unknown]>([
    ['1143', { kind: 'tcp', host: undefined, port: 1143 }],
    [1143, { kind: 'tcp', host: undefined, port: 1143 }],
    ['127.0.0.1:1143', { kind: 'tcp', host: '127.0.0.1', port: 1143 }],
    ['[::1]:1143', { kind: 'tcp', host: '::1', port: 1143 }],
    ['*:1143', { kind: 'tcp', host: undefined, port: 1143 }],
    ['imap', { kind: 'tcp', host: undefined, port: 143 }],
    ['imap2', { kind: 'tcp', host: undefined, port: 143 }],
    ['localhost:sieve', { kind: 'tcp', host: 'localhost', port: 4190 }],
    ['/run/cyrus/socket/lmtp', { kind: 'unix', path: '/run/cyrus/socket/lmtp' }],
    ['socket/lmtp', { kind: 'unix', path: 'socket/lmtp' }],
  ])('%j', (v, address) => {
    expect(parseListen(v, services)).toEqual(ok(address));
  });

  const ANY = 'expected a port, host:port, service name or socket path';
  it.each<[unknown, string]>([
    ['lmtp', `unknown service name \`lmtp\` (not a tcp service in ${services})`],
    ['host:nope', `unknown service name \`nope\` (not a tcp service in ${services})`],
    [0, 'expected a port between 1 and 65535, got `0`'],
    ['65536', 'expected a port between 1 and 65535, got `65536`'],
    [-5, `${ANY}, got \`-5\``],
    [1.5, `${ANY}, got \`1.5\``],
    ['', `${ANY}, got an empty string`],
    ['imap:', `${ANY}, got \`imap:\``],
    [':143', `${ANY}, got \`:143\` (write an IPv6 host as [::1]:port)`],
    ['::1:143', `${ANY}, got \`::1:143\` (write an IPv6 host as [::1]:port)`],
    [true, `${ANY}, got \`true\``],
  ])('rejects %j', (v, message) => {
    expect(parseListen(v, services)).toEqual(err(message));
  });

  it('reports a service name as unknown when the services file cannot be read', () => {
    expect(parseListen('imap', join(dir, 'missing'))).toEqual(err(`unknown service name \`imap\` (not a tcp service in ${join(dir, 'missing')})`));
  });
});

describe('parseAt', () => {
  it.each<[unknown, { hour: number; minute: number }]>([
    ['0400', { hour: 4, minute: 0 }],
    [400, { hour: 4, minute: 0 }],
    [0, { hour: 0, minute: 0 }],
    [30, { hour: 0, minute: 30 }],
    ['2359', { hour: 23, minute: 59 }],
    ['04:15', { hour: 4, minute: 15 }],
  ])('%j', (v, time) => {
    expect(parseAt(v)).toEqual(ok(time));
  });

  const AT = 'expected a time of day HHMM between 0000 and 2359';
  it.each<[unknown, string]>([
    [2400, `${AT}, got \`2400\``],
    ['0460', `${AT}, got \`0460\``],
    [-100, `${AT}, got \`-100\``],
    ['4am', `${AT}, got \`4am\``],
    [12345, `${AT}, got \`12345\``],
    [null, `${AT}, got an empty value`],
  ])('rejects %j', (v, message) => {
    expect(parseAt(v)).toEqual(err(message));
  });
});
