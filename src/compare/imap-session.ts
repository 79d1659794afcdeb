// One IMAP connection of `quiesce compare`: connect (TCP, or TLS for imaps), authenticate, one
// command at a time, every wait bounded by the same timeout.
//
// Logging in: AUTHENTICATE PLAIN with the admin's credentials and, to see a user's mailboxes as
// that user sees them (their \Seen flags too), the user as authorization identity. Cyrus lets an
// `admins` user act as any user so (measured on 3.6: an admin's own EXAMINE of another user's
// mailbox is refused, the same admin authorized as the user may).
import net from 'node:net';
import tls from 'node:tls';
import { err, ok, type Result } from '../errors.js';
import { parseValues, recordEnd, type ImapValue } from './imap-value.js';

/** Where one side listens and who logs in there. */
export interface ImapEndpoint {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** The admin (an `admins` user of that imapd.conf). */
  readonly user: string;
  readonly password: string;
}

/** Why a session could not do what it was asked. */
export type SessionFailure =
  | { readonly reason: 'unreachable'; readonly message: string }
  | { readonly reason: 'timeout'; readonly message: string }
  | { readonly reason: 'refused'; readonly message: string };

/** A tagged response and the untagged ones before it, each parsed. */
export interface ImapReply {
  readonly status: 'OK' | 'NO' | 'BAD';
  readonly text: string;
  readonly untagged: readonly (readonly ImapValue[])[];
  /** The untagged responses as sent (response codes are read from them). */
  readonly raw: readonly string[];
}

/** Read-ahead kept before the buffer is compacted. */
const COMPACT_AT_CHARS = 1 << 20;

/** One authenticated connection. */
export class ImapSession {
  readonly #socket: net.Socket;
  readonly #timeoutMs: number;
  readonly #label: string;
  #buffer = '';
  /** Where the next record starts in #buffer (compacted now and then, not sliced per record). */
  #pos = 0;
  #waiter: (() => void) | undefined;
  #closed: string | undefined;
  #tag = 0;

  private constructor(socket: net.Socket, timeoutMs: number, label: string) {
    this.#socket = socket;
    this.#timeoutMs = timeoutMs;
    this.#label = label;
    socket.setEncoding('latin1');
    socket.setNoDelay(true); // one small command, then a wait for its answer: Nagle would only delay it
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      this.#waiter?.();
    });
    socket.on('error', (e) => this.#end(e.message));
    socket.on('close', () => this.#end('connection closed'));
  }

  /** Connects to `e`, reads the greeting and authenticates (as `authzid` when given). */
  static async open(e: ImapEndpoint, timeoutMs: number, authzid?: string): Promise<Result<ImapSession, SessionFailure>> {
    const label = `${e.host}:${e.port}`;
    const connected = await new Promise<Result<net.Socket, SessionFailure>>((resolve) => {
      const socket = e.tls ? tls.connect({ host: e.host, port: e.port, servername: net.isIP(e.host) === 0 ? e.host : undefined }) : net.connect({ host: e.host, port: e.port });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(err({ reason: 'timeout', message: `${label}: no connection within ${timeoutMs} ms` }));
      }, timeoutMs);
      socket.once('error', (x: Error) => {
        clearTimeout(timer);
        resolve(err({ reason: 'unreachable', message: `${label}: ${x.message}` }));
      });
      socket.once(e.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(ok(socket));
      });
    });
    if (!connected.ok) return connected;
    const session = new ImapSession(connected.value, timeoutMs, label);
    const greeting = await session.#record();
    if (!greeting.ok) return session.#fail(greeting.error);
    if (!greeting.value.startsWith('* OK')) return session.#fail({ reason: 'refused', message: `${label}: greeting ${greeting.value.trim()}` });
    const plain = Buffer.from(`${authzid ?? ''}\0${e.user}\0${e.password}`, 'utf8').toString('base64');
    const auth = await session.command(`AUTHENTICATE PLAIN ${plain}`);
    if (!auth.ok) return session.#fail(auth.error);
    if (auth.value.status !== 'OK') return session.#fail({ reason: 'refused', message: `${label}: ${e.user}${authzid === undefined ? '' : ` as ${authzid}`} cannot log in: ${auth.value.status} ${auth.value.text}` });
    return ok(session);
  }

  /** Sends one command and reads its response. */
  async command(command: string): Promise<Result<ImapReply, SessionFailure>> {
    const tag = `c${++this.#tag}`;
    if (this.#closed !== undefined) return err({ reason: 'unreachable', message: `${this.#label}: ${this.#closed}` });
    this.#socket.write(`${tag} ${command}\r\n`, 'latin1');
    const untagged: ImapValue[][] = [];
    const raw: string[] = [];
    for (;;) {
      const record = await this.#record();
      if (!record.ok) return record;
      const line = record.value;
      if (line.startsWith('* ')) {
        raw.push(line.slice(2));
        try {
          untagged.push(parseValues(line.slice(2)));
        } catch (e) {
          return err({ reason: 'refused', message: `${this.#label}: cannot read "${line.slice(0, 80)}": ${(e as Error).message}` });
        }
      } else if (line.startsWith(`${tag} `)) {
        const [status = '', ...rest] = line.slice(tag.length + 1).split(' ');
        if (status !== 'OK' && status !== 'NO' && status !== 'BAD') return err({ reason: 'refused', message: `${this.#label}: bad response ${line.slice(0, 80)}` });
        return ok({ status, text: rest.join(' '), untagged, raw });
      }
    }
  }

  /** LOGOUT and close (never waits longer than the timeout). */
  async close(): Promise<void> {
    if (this.#closed === undefined) await this.command('LOGOUT');
    this.#socket.destroy();
  }

  #fail(f: SessionFailure): Result<never, SessionFailure> {
    this.#socket.destroy();
    return err(f);
  }

  /** The next whole record (its literals included, CRLF stripped). */
  async #record(): Promise<Result<string, SessionFailure>> {
    const deadline = Date.now() + this.#timeoutMs;
    for (;;) {
      const end = recordEnd(this.#buffer, this.#pos);
      if (end >= 0) {
        const record = this.#buffer.slice(this.#pos, end - 2);
        this.#pos = end;
        if (this.#pos > COMPACT_AT_CHARS && this.#pos * 2 > this.#buffer.length) {
          this.#buffer = this.#buffer.slice(this.#pos);
          this.#pos = 0;
        }
        return ok(record);
      }
      if (this.#closed !== undefined) return err({ reason: 'unreachable', message: `${this.#label}: ${this.#closed}` });
      const left = deadline - Date.now();
      if (left <= 0) {
        this.#socket.destroy();
        return err({ reason: 'timeout', message: `${this.#label}: no answer within ${this.#timeoutMs} ms` });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
  }

  #end(why: string): void {
    this.#closed ??= why;
    this.#waiter?.();
  }
}
