// A minimal promise-based IMAP client for e2e tests: one command at a time, untagged lines collected.
import { LineSocket } from './line-socket.js';

/** The outcome of one tagged command. */
export interface ImapResponse {
  readonly status: 'OK' | 'NO' | 'BAD';
  /** The tagged line after the status word. */
  readonly text: string;
  /** Untagged (`* ...`) lines that arrived before the tagged one, without the `* `. */
  readonly untagged: readonly string[];
}

/** An IMAP session on 127.0.0.1. */
export class ImapClient {
  readonly greeting: string;
  readonly #conn: LineSocket;
  #tag = 0;

  private constructor(conn: LineSocket, greeting: string) {
    this.#conn = conn;
    this.greeting = greeting;
  }

  /** Connects and reads the greeting (`* OK ...`). */
  static async connect(port: number, timeoutMs = 10_000): Promise<ImapClient> {
    const conn = await LineSocket.connect(port, '127.0.0.1', timeoutMs);
    const greeting = await conn.readLine(timeoutMs);
    if (!greeting.startsWith('* OK')) {
      conn.close();
      throw new Error(`unexpected IMAP greeting: ${greeting}`);
    }
    return new ImapClient(conn, greeting);
  }

  /** Sends `command` with a fresh tag and collects the response. */
  async command(command: string, timeoutMs = 10_000): Promise<ImapResponse> {
    const tag = `q${++this.#tag}`;
    this.#conn.write(`${tag} ${command}\r\n`);
    const untagged: string[] = [];
    for (;;) {
      const line = await this.#conn.readLine(timeoutMs);
      if (line.startsWith('* ')) {
        untagged.push(line.slice(2));
        continue;
      }
      if (!line.startsWith(`${tag} `)) continue; // continuation requests are not used here
      const [status, ...rest] = line.slice(tag.length + 1).split(' ');
      if (status !== 'OK' && status !== 'NO' && status !== 'BAD') throw new Error(`bad tagged line: ${line}`);
      return { status, text: rest.join(' '), untagged };
    }
  }

  /** Like command(), but throws unless the status is OK. */
  async ok(command: string, timeoutMs?: number): Promise<ImapResponse> {
    const r = await this.command(command, timeoutMs);
    if (r.status !== 'OK') throw new Error(`${command.split(' ')[0]} -> ${r.status} ${r.text}`);
    return r;
  }

  /** LOGIN (alwaystrue accepts any password). */
  async login(user: string, password = 'secret'): Promise<void> {
    await this.ok(`LOGIN ${quote(user)} ${quote(password)}`);
  }

  /** SELECT, returning the EXISTS count. */
  async select(mailbox: string): Promise<{ exists: number }> {
    const r = await this.ok(`SELECT ${quote(mailbox)}`);
    const line = r.untagged.find((l) => / EXISTS$/.test(l));
    return { exists: line === undefined ? 0 : Number(line.split(' ')[0]) };
  }

  /** STATUS items, e.g. `status('INBOX', ['MESSAGES'])` -> `{ MESSAGES: 1 }`. */
  async status(mailbox: string, items: readonly string[]): Promise<Record<string, number>> {
    const r = await this.ok(`STATUS ${quote(mailbox)} (${items.join(' ')})`);
    const line = r.untagged.find((l) => l.startsWith('STATUS '));
    const inner = /\(([^)]*)\)\s*$/.exec(line ?? '')?.[1] ?? '';
    const words = inner.split(' ').filter((w) => w !== '');
    const out: Record<string, number> = {};
    for (let i = 0; i + 1 < words.length; i += 2) out[words[i] as string] = Number(words[i + 1]);
    return out;
  }

  /** SEARCH, returning sequence numbers. */
  async search(criteria: string): Promise<number[]> {
    const r = await this.ok(`SEARCH ${criteria}`);
    const line = r.untagged.find((l) => l.startsWith('SEARCH'));
    return (line ?? '').split(' ').slice(1).filter((w) => w !== '').map(Number);
  }

  /** The Message-ID header of each message in `sequenceSet`, in response order. */
  async messageIds(sequenceSet: string): Promise<string[]> {
    const r = await this.ok(`FETCH ${sequenceSet} (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])`);
    return r.untagged
      .filter((l) => / FETCH /.test(l))
      .map((l) => /Message-ID:\s*(<[^>]*>)/i.exec(l)?.[1] ?? '')
      .filter((id) => id !== '');
  }

  /** LOGOUT and close. */
  async logout(): Promise<void> {
    try {
      await this.command('LOGOUT');
    } finally {
      this.#conn.close();
    }
  }

  /** Resolves with what the server sent once it closes the connection (imapd ending its session); rejects after `timeoutMs`. */
  async untilClosed(timeoutMs = 10_000): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      try {
        lines.push(await this.#conn.readLine(timeoutMs));
      } catch (e) {
        if (e instanceof Error && e.message === 'connection closed') return lines;
        throw e;
      }
    }
  }

  /** Drops the connection without LOGOUT. */
  close(): void {
    this.#conn.close();
  }
}

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
