// A stream of text chunks -> lines: the control protocol, the datagram and syslog helpers' stdout.

/** Splits a byte stream into lines; calls `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): (chunk: string) => number {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
    return buffer.length;
  };
}
