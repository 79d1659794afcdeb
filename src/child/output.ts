// Child stdout/stderr, cut into lines for the log, with a bounded tail kept for reports.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Lines kept from a child's stderr for failure reports. */
export const STDERR_TAIL_LINES = 20;
/** A line longer than this is cut (a child must not make the supervisor's heap grow). */
export const MAX_LINE_CHARS = 4_096;

/** Calls `onLine` for each line of `stream`, and keeps the last `keep` lines in `tail`. */
export function captureLines(stream: Readable, onLine: (line: string) => void, tail?: string[], keep = STDERR_TAIL_LINES): void {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  lines.on('line', (raw) => {
    const line = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}...` : raw;
    onLine(line);
    if (tail !== undefined) {
      tail.push(line);
      if (tail.length > keep) tail.shift();
    }
  });
}
