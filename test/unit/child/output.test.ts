import { describe, expect, it } from 'vitest';
import { Feed } from '../../../src/child/forked-process.js';
import { captureLines, MAX_LINE_CHARS } from '../../../src/child/output.js';

/** The lines captureLines reports for `chunks` fed one by one, then the end, and the tail it keeps. */
function linesOf(chunks: readonly (string | Buffer)[], keep?: number): { lines: string[]; tail: string[] } {
  const feed = new Feed();
  const lines: string[] = [];
  const tail: string[] = [];
  captureLines(feed, (l) => lines.push(l), tail, keep);
  for (const c of chunks) feed.write(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  feed.end();
  return { lines, tail };
}

describe('captureLines', () => {
  it('cuts at \\n, \\r\\n and a lone \\r, wherever the chunks split, and reports the last line at the end', () => {
    expect(linesOf(['a\nb\r', '\nc\rd', 'e\n\nf']).lines).toEqual(['a', 'b', 'c', 'de', '', 'f']);
    expect(linesOf(['x\r']).lines).toEqual(['x']);
    expect(linesOf(['']).lines).toEqual([]);
  });

  it('decodes UTF-8 split across chunks', () => {
    const bytes = Buffer.from('é€\n', 'utf8');
    expect(linesOf([bytes.subarray(0, 1), bytes.subarray(1, 3), bytes.subarray(3)]).lines).toEqual(['é€']);
  });

  it('reports a line longer than MAX_LINE_CHARS once, cut, and drops the rest of it', () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 10);
    const cut = `${'x'.repeat(MAX_LINE_CHARS)}...`;
    expect(linesOf([`${long}\nnext\n`]).lines).toEqual([cut, 'next']);
    // unterminated and longer than the limit across several chunks: one cut line, then the next
    expect(linesOf(['y'.repeat(MAX_LINE_CHARS), 'y'.repeat(MAX_LINE_CHARS), 'y\nnext']).lines).toEqual([`${'y'.repeat(MAX_LINE_CHARS)}...`, 'next']);
  });

  it('keeps the last `keep` lines as the tail', () => {
    expect(linesOf(['1\n2\n3\n4\n'], 2).tail).toEqual(['3', '4']);
  });
});
