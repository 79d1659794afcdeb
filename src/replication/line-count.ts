// Counts the lines of a sync log file in fixed-size chunks, so a huge backlog never sits in memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Bytes read per chunk. */
export const LINE_COUNT_CHUNK_BYTES = 64 * 1024;

const NEWLINE = 0x0a;

/** What a count saw: lines (a last line without `\n` counts too) and the bytes actually read. */
export interface LineCount {
  readonly lines: number;
  readonly bytes: number;
}

/** Counts the lines of `path` without blocking the event loop. Rejects like fs (ENOENT, EACCES). */
export async function countLines(path: string): Promise<LineCount> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(LINE_COUNT_CHUNK_BYTES);
    const tally = new Tally();
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return tally.result();
      tally.add(buf, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** The same count, synchronously (for callers that poll from a synchronous read). */
export function countLinesSync(path: string): LineCount {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(LINE_COUNT_CHUNK_BYTES);
    const tally = new Tally();
    for (;;) {
      const bytesRead = readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) return tally.result();
      tally.add(buf, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

class Tally {
  #newlines = 0;
  #bytes = 0;
  #last = NEWLINE;

  add(buf: Buffer, n: number): void {
    for (let at = buf.indexOf(NEWLINE, 0); at !== -1 && at < n; at = buf.indexOf(NEWLINE, at + 1)) this.#newlines++;
    this.#bytes += n;
    this.#last = buf[n - 1] as number;
  }

  result(): LineCount {
    return { lines: this.#newlines + (this.#last === NEWLINE ? 0 : 1), bytes: this.#bytes };
  }
}
