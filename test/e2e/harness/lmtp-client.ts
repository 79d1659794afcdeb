// A minimal promise-based LMTP client for e2e tests: LHLO, MAIL FROM, RCPT TO, DATA, per-recipient replies.
import { LineSocket } from './line-socket.js';

/** One (possibly multi-line) reply: the code and the text of every line. */
export interface LmtpReply {
  readonly code: number;
  readonly text: string;
}

/** What one delivery did for each recipient. */
export interface DeliveryResult {
  /** RCPT TO replies, one per recipient. */
  readonly rcpt: readonly { readonly to: string; readonly reply: LmtpReply }[];
  /** DATA replies, one per recipient RCPT accepted (LMTP reports each separately). */
  readonly data: readonly { readonly to: string; readonly reply: LmtpReply }[];
}

/** An LMTP session on 127.0.0.1. */
export class LmtpClient {
  readonly #conn: LineSocket;

  private constructor(conn: LineSocket) {
    this.#conn = conn;
  }

  /** Connects, reads the 220 greeting and says LHLO. */
  static async connect(port: number, timeoutMs = 10_000): Promise<LmtpClient> {
    const conn = await LineSocket.connect(port, '127.0.0.1', timeoutMs);
    const client = new LmtpClient(conn);
    const greeting = await client.#reply(timeoutMs);
    if (greeting.code !== 220) throw new Error(`unexpected LMTP greeting: ${greeting.code} ${greeting.text}`);
    await client.#expect('LHLO quiesce.test', 250);
    return client;
  }

  /** One transaction: MAIL FROM, RCPT TO each recipient, DATA if any was accepted. */
  async deliver(from: string, to: readonly string[], message: string): Promise<DeliveryResult> {
    await this.#expect(`MAIL FROM:<${from}>`, 250);
    const rcpt: { to: string; reply: LmtpReply }[] = [];
    for (const addr of to) rcpt.push({ to: addr, reply: await this.#send(`RCPT TO:<${addr}>`) });
    const accepted = rcpt.filter((r) => r.reply.code === 250).map((r) => r.to);
    if (accepted.length === 0) {
      await this.#send('RSET');
      return { rcpt, data: [] };
    }
    await this.#expect('DATA', 354);
    this.#conn.write(`${dotStuff(message)}.\r\n`);
    const data: { to: string; reply: LmtpReply }[] = [];
    for (const addr of accepted) data.push({ to: addr, reply: await this.#reply() });
    return { rcpt, data };
  }

  /** QUIT and close. */
  async quit(): Promise<void> {
    try {
      await this.#send('QUIT');
    } finally {
      this.#conn.close();
    }
  }

  async #send(line: string): Promise<LmtpReply> {
    this.#conn.write(`${line}\r\n`);
    return this.#reply();
  }

  async #expect(line: string, code: number): Promise<LmtpReply> {
    const reply = await this.#send(line);
    if (reply.code !== code) throw new Error(`${line} -> ${reply.code} ${reply.text}`);
    return reply;
  }

  /** Reads `NNN-...` continuation lines up to the final `NNN ...` line. */
  async #reply(timeoutMs = 10_000): Promise<LmtpReply> {
    const texts: string[] = [];
    for (;;) {
      const line = await this.#conn.readLine(timeoutMs);
      texts.push(line.slice(4));
      if (line[3] !== '-') return { code: Number(line.slice(0, 3)), text: texts.join('\n') };
    }
  }
}

/** A small RFC 5322 message with CRLF line ends and the given Message-ID. */
export function makeMessage(opts: { from: string; to: string; subject: string; messageId: string; body?: string }): string {
  return [
    `From: ${opts.from}`,
    `To: ${opts.to}`,
    `Subject: ${opts.subject}`,
    `Message-ID: ${opts.messageId}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    '',
    opts.body ?? 'test body',
    '',
  ].join('\r\n');
}

function dotStuff(message: string): string {
  const crlf = message.replace(/\r?\n/g, '\r\n');
  const withEnd = crlf.endsWith('\r\n') ? crlf : `${crlf}\r\n`;
  return withEnd.replace(/^\./gm, '..');
}
