// Child stdout/stderr, cut into lines for the log, with a bounded tail kept for reports.
//
// Cut here rather than by node:readline: an Interface per stream cost more than everything else a
// worker start does on the Node side (measured in a CPU profile of 500 worker starts), and most
// workers never write a line.
import { StringDecoder } from 'node:string_decoder';

/** Lines kept from a child's stderr for failure reports. */
export const STDERR_TAIL_LINES = 20;
/** A line longer than this is cut (a child must not make the supervisor's heap grow). */
export const MAX_LINE_CHARS = 4_096;

/** What captureLines reads: a Readable, or a fork server worker's Feed (forked-process.ts). */
export interface ByteSource {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
}

/** Our end of a child's fd 3 as units read it: a socket of Node's spawn, or a fork server worker's Feed. */
export interface ChildChannel {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  removeAllListeners(event?: 'data'): unknown;
  destroy(): unknown;
}

/**
 * Calls `onLine` for each line of `stream` (ended by \n, \r\n or \r, as readline cuts them; the
 * last one also by the end of the stream), and keeps the last `keep` lines in `tail`. A line
 * longer than MAX_LINE_CHARS is reported cut, with "...", and the rest of it is dropped.
 */
export function captureLines(stream: ByteSource, onLine: (line: string) => void, tail?: string[], keep = STDERR_TAIL_LINES): void {
  // Made at the first chunk: most workers never write, and a decoder and its regex cost about
  // 1.2 KB of the supervisor's memory per stream (measured), 600 KB for 500 workers.
  let reader: { readonly decoder: StringDecoder; readonly breaks: RegExp } | undefined;
  let rest = '';
  /** The current line was already reported cut: drop it up to its end. */
  let cut = false;
  const line = (raw: string): void => {
    const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}...` : raw;
    onLine(text);
    if (tail !== undefined) {
      tail.push(text);
      if (tail.length > keep) tail.shift();
    }
  };
  const take = (text: string, final: boolean, breaks: RegExp): void => {
    let start = 0;
    breaks.lastIndex = 0;
    for (let m = breaks.exec(text); m !== null; m = breaks.exec(text)) {
      // a \r at the very end may be the first half of a \r\n: wait for the next chunk
      if (m[0] === '\r' && m.index === text.length - 1 && !final) break;
      if (!cut) line(text.slice(start, m.index));
      cut = false;
      start = m.index + m[0].length;
    }
    rest = text.slice(start);
    if (rest.length > MAX_LINE_CHARS && !final) {
      if (!cut) line(rest);
      cut = true;
      rest = '';
    }
    if (final && rest.length > 0 && !cut) line(rest);
  };
  stream.on('data', (chunk) => {
    reader ??= { decoder: new StringDecoder('utf8'), breaks: /\r\n|\r|\n/g };
    take(rest + reader.decoder.write(chunk), false, reader.breaks);
  });
  stream.on('end', () => {
    if (reader !== undefined) take(rest + reader.decoder.end(), true, reader.breaks);
  });
}
