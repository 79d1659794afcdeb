// A TCP connection read as CRLF lines, with IMAP `{n}` literals folded into their line.
import net from 'node:net';

const LITERAL_AT_END = /\{(\d+)\}$/;

/** Line-oriented client socket: await lines one at a time, each wait bounded. */
export class LineSocket {
  readonly #socket: net.Socket;
  #buf = Buffer.alloc(0);
  readonly #lines: string[] = [];
  #waiter: { resolve: (line: string) => void; reject: (e: Error) => void } | undefined;
  #ended: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (e) => this.#end(e));
    socket.on('close', () => this.#end(new Error('connection closed')));
  }

  /** Connects to host:port (127.0.0.1 by default). */
  static connect(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<LineSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => socket.destroy(new Error(`connect ${host}:${port} timed out`)), timeoutMs);
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new LineSocket(socket));
      });
    });
  }

  /** Sends raw text (the caller adds CRLF). */
  write(text: string): void {
    this.#socket.write(text);
  }

  /** The next line without its CRLF; literals are included inline after their `{n}`. */
  readLine(timeoutMs = 10_000): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined;
        reject(new Error(`no line within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiter = {
        resolve: (l) => (clearTimeout(timer), resolve(l)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    for (;;) {
      const end = this.#logicalLineEnd();
      if (end === undefined) return;
      this.#push(this.#buf.subarray(0, end).toString('latin1'));
      this.#buf = this.#buf.subarray(end + 2);
    }
  }

  /** Index of the CRLF ending the next complete logical line, skipping over literals. */
  #logicalLineEnd(): number | undefined {
    let from = 0;
    for (;;) {
      const crlf = this.#buf.indexOf('\r\n', from);
      if (crlf < 0) return undefined;
      const literal = LITERAL_AT_END.exec(this.#buf.subarray(from, crlf).toString('latin1'));
      if (!literal) return crlf;
      const next = crlf + 2 + Number(literal[1]);
      if (next > this.#buf.length) return undefined;
      from = next;
    }
  }

  #push(line: string): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter.resolve(line);
    else this.#lines.push(line);
  }

  #end(e: Error): void {
    this.#ended ??= e;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(e);
  }
}
