// Text from outside never reaches a terminal or a log sentence raw.
import { describe, expect, it } from 'vitest';
import { safeText } from '../../src/safe-text.js';
import { closest } from '../../src/config/suggest.js';

describe('safe text', () => {
  it.each([
    ['plain', 'imap', 'imap'],
    ['ANSI escape', 'red\x1b[31m', 'red\\x1b[31m'],
    ['newline and tab', 'a\nb\tc', 'a\\nb\\tc'],
    ['NUL', 'a\0b', 'a\\0b'],
    ['bidi override', 'abc\u202Edef', 'abc\\u202edef'],
    ['C1 control', 'x\u009by', 'x\\x9by'],
    ['line separator', 'x\u2028y', 'x\\u2028y'],
    ['accents stay', 'café', 'café'],
  ])('%s', (_, input, output) => {
    expect(safeText(input)).toBe(output);
  });

  it('cuts a long value to an excerpt and says how long it was', () => {
    expect(safeText('x'.repeat(100), 10)).toBe('xxxxxxxxxx… (100 characters)');
  });
});

describe('did you mean', () => {
  it.each([
    ['quit_timout', 'quit_timeout'],
    ['perfork', 'prefork'],
    ['SERVICE', 'SERVICES'],
    ['DEAMON', 'DAEMON'],
    ['colour', undefined],
    ['x'.repeat(80), undefined],
  ])('%s -> %s', (word, suggestion) => {
    expect(closest(word, ['quit_timeout', 'term_timeout', 'prefork', 'SERVICES', 'DAEMON', 'cmd'])).toBe(suggestion);
  });
});
