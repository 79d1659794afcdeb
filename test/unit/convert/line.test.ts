import { describe, expect, it } from 'vitest';
import { splitComment, tokenizeEntry } from '../../../src/convert/line.js';

describe('splitComment', () => {
  it('cuts a line at its first # even inside quotes, as masterconf.c does', () => {
    expect(splitComment('  imap cmd="a # b"')).toEqual({ code: '  imap cmd="a ', comment: ' b"' });
    expect(splitComment('imap cmd="a"')).toEqual({ code: 'imap cmd="a"', comment: undefined });
  });
});

describe('tokenizeEntry', () => {
  it('reads quoted values with spaces, unquoted words and keys right after a closing quote', () => {
    const r = tokenizeEntry('\tsieve\tcmd="timsieved -U 30"listen=localhost:sieve  prefork=0', 7);
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'sieve',
        col: 2,
        args: [
          { key: 'cmd', value: 'timsieved -U 30', line: 7, col: 8 },
          { key: 'listen', value: 'localhost:sieve', line: 7, col: 29 },
          { key: 'prefork', value: '0', line: 7, col: 53 },
        ],
      },
    });
  });

  it('keeps brackets, colons and slashes of listen values as written', () => {
    const r = tokenizeEntry('a listen="[::1]:143" b=/run/cyrus/socket/lmtp', 1);
    expect(r.ok && r.value.args.map((a) => a.value)).toEqual(['[::1]:143', '/run/cyrus/socket/lmtp']);
  });

  it('accepts an empty quoted value and a name without arguments', () => {
    expect(tokenizeEntry('a cmd=""', 1)).toMatchObject({ ok: true, value: { args: [{ key: 'cmd', value: '' }] } });
    expect(tokenizeEntry('lonely', 1)).toMatchObject({ ok: true, value: { name: 'lonely', args: [] } });
  });

  it.each([
    ['squatter_1 cmd="x"', 9, 'bad character `_` in entry name `squatter_1` (only letters and digits)'],
    ['-x cmd="x"', 1, 'bad character `-` at the start of an entry, expected its name'],
    ['a cmd="x', 7, 'missing closing `"` for `cmd` (a `#` ends the line, even inside quotes)'],
    ['a cmd="x" -U', 11, 'bad character `-` in argument, expected `key=value`'],
    ['a cmd', 6, 'expected `=` after `cmd`, found end of line'],
    ['a max-child=1', 6, 'expected `=` after `max`, found `-`'],
  ])('refuses %j at column %i', (code, col, message) => {
    expect(tokenizeEntry(code, 1)).toEqual({ ok: false, error: { col, message } });
  });
});
