// compare's command line: addresses, and every bad option named, exit 64, before any connection.
import { describe, expect, it } from 'vitest';
import { parseAddress, runCompareCommand } from '../../../src/compare/compare-command.js';

describe('parseAddress', () => {
  it.each([
    ['mail1', { host: 'mail1', port: 143, tls: false }],
    ['127.0.0.1:1143', { host: '127.0.0.1', port: 1143, tls: false }],
    ['[::1]:1143', { host: '::1', port: 1143, tls: false }],
    ['imaps://replica.example', { host: 'replica.example', port: 993, tls: true }],
    ['imap://replica.example:144', { host: 'replica.example', port: 144, tls: false }],
  ])('%s', (text, address) => expect(parseAddress(text)).toEqual(address));

  it.each(['', 'host:0', 'host:70000', '::1', 'a b'])('rejects %j', (text) => expect(parseAddress(text)).toBeUndefined());
});

describe('runCompareCommand, usage', () => {
  const base = { master: '127.0.0.1:1', replica: '127.0.0.1:2', users: [] };
  const run = async (o: Partial<Parameters<typeof runCompareCommand>[0]>, env: NodeJS.ProcessEnv = { QUIESCE_COMPARE_PASSWORD: 'x' }) => {
    const lines: string[] = [];
    const code = await runCompareCommand({ ...base, ...o }, { out: (l) => lines.push(l), env });
    return { code, lines };
  };

  it.each([
    [{ master: 'a b' }, 'quiesce compare: --master: expected HOST, HOST:PORT, [IPv6]:PORT or imaps://HOST[:PORT], got `a b`'],
    [{ concurrency: '0' }, 'quiesce compare: --concurrency: expected a positive integer, got `0`'],
    [{ sample: 'some' }, 'quiesce compare: --sample: expected a positive integer, got `some`'],
    [{ timeout: '0s' }, 'quiesce compare: --timeout: must be more than 0'],
    [{ passwordFile: '/nonexistent/pw' }, 'quiesce compare: --password-file: cannot read /nonexistent/pw: ENOENT: no such file or directory, open \'/nonexistent/pw\''],
  ])('%j', async (o, message) => expect(await run(o)).toEqual({ code: 64, lines: [message] }));

  it('takes --pair or --master and --replica, not both, and not neither', async () => {
    expect(await run({ pair: '/nonexistent/pair.yaml' })).toEqual({ code: 64, lines: ['quiesce compare: give --pair, or --master and --replica, not both'] });
    expect(await run({ master: undefined })).toEqual({ code: 64, lines: ['quiesce compare: give --master and --replica (each side\'s IMAP address), or --pair PAIR.yaml'] });
  });

  it('asks for a password when there is none', async () => {
    expect(await run({}, {})).toEqual({ code: 64, lines: ['quiesce compare: no password for the master\'s admin: give --password-file FILE or set QUIESCE_COMPARE_PASSWORD'] });
  });
});
