// IMAP response data as Cyrus sends it (the FETCH and LIST lines measured from Cyrus 3.6).
import { describe, expect, it } from 'vitest';
import { parseValues, quoteImap, recordEnd } from '../../../src/compare/imap-value.js';

describe('parseValues', () => {
  it.each([
    ['1 FETCH (FLAGS (\\Recent) UID 1 DIGEST.SHA1 89e9550fa35f12d696acb42a295723f4aaec5cb3 MODSEQ (2) RFC822.SIZE 474)',
      ['1', 'FETCH', ['FLAGS', ['\\Recent'], 'UID', '1', 'DIGEST.SHA1', '89e9550fa35f12d696acb42a295723f4aaec5cb3', 'MODSEQ', ['2'], 'RFC822.SIZE', '474']]],
    ['LIST (\\HasNoChildren) "." INBOX.Drafts', ['LIST', ['\\HasNoChildren'], '.', 'INBOX.Drafts']],
    ['LIST (\\HasNoChildren) "." "INBOX.Old Mail"', ['LIST', ['\\HasNoChildren'], '.', 'INBOX.Old Mail']],
    ['LIST () "." "a \\"quoted\\" \\\\ name"', ['LIST', [], '.', 'a "quoted" \\ name']],
    ['NAMESPACE (("INBOX." ".")) (("user." ".")) NIL', ['NAMESPACE', [['INBOX.', '.']], [['user.', '.']], null]],
    ['LIST () "." {11}\r\nwith\r\nCRLF!', ['LIST', [], '.', 'with\r\nCRLF!']],
    ['OK [UIDVALIDITY 1796300490] Ok', ['OK', '[UIDVALIDITY', '1796300490]', 'Ok']],
  ])('%s', (text, values) => expect(parseValues(text)).toEqual(values));

  it.each(['LIST (a', 'LIST a)', 'LIST "open', 'LIST {x}\r\n'])('rejects malformed %j', (text) => expect(() => parseValues(text)).toThrow());
});

describe('recordEnd', () => {
  it('ends a record at the CRLF that follows its literals, or says it is not all there yet', () => {
    const text = '* LIST () "." {5}\r\nab\r\nc\r\n* 3 EXISTS\r\n';
    const first = recordEnd(text, 0);
    expect(text.slice(0, first)).toBe('* LIST () "." {5}\r\nab\r\nc\r\n');
    expect(text.slice(first, recordEnd(text, first))).toBe('* 3 EXISTS\r\n');
    expect(recordEnd('* LIST () "." {5}\r\nab', 0)).toBe(-1);
    expect(recordEnd('* 3 EXI', 0)).toBe(-1);
  });
});

describe('quoteImap', () => {
  it.each([['INBOX.Sent', 'INBOX.Sent'], ['Old Mail', '"Old Mail"'], ['*', '"*"'], ['a"b\\c', '"a\\"b\\\\c"']])('%s -> %s', (s, q) => expect(quoteImap(s)).toBe(q));
});
