// Cyrus status messages (a worker's fd 3): cuts the byte stream into 8-byte records.
//
// Wire format (cyrus-imapd master/service.h): `struct notify_message { int message; pid_t pid; }`,
// two int32 in host byte order, no framing. The workers of a fork server (fork-server.ts) share
// one FIFO, whose records it routes by their pid (senderOf) to each worker's channel; a worker
// started by Node's spawn has its own, `stdio[3] = 'pipe'` (a socketpair; a C worker's
// write(3, &msg, 8) does not care). Reads may split a record anywhere, so a remainder is kept
// between chunks.
import { endianness } from 'node:os';
import type { ChildChannel } from './output.js';

/** Message values of cyrus-imapd 3.6 `master/service.h`. */
export const STATUS = {
  AVAILABLE: 1,
  UNAVAILABLE: 2,
  CONNECTION: 3,
  CONNECTION_MULTI: 4,
} as const;

/** One decoded status message; `pid` is what the worker wrote, not necessarily its real pid. */
export type StatusMessage =
  | { readonly kind: 'available'; readonly pid: number }
  | { readonly kind: 'unavailable'; readonly pid: number }
  | { readonly kind: 'connection'; readonly pid: number }
  | { readonly kind: 'connection-multi'; readonly pid: number }
  | { readonly kind: 'unknown'; readonly value: number; readonly pid: number };

/** Size of one record on the wire. */
export const STATUS_RECORD_BYTES = 8;

const littleEndian = endianness() === 'LE';
const NO_BYTES = Buffer.alloc(0);

function decode(value: number, pid: number): StatusMessage {
  switch (value) {
    case STATUS.AVAILABLE:
      return { kind: 'available', pid };
    case STATUS.UNAVAILABLE:
      return { kind: 'unavailable', pid };
    case STATUS.CONNECTION:
      return { kind: 'connection', pid };
    case STATUS.CONNECTION_MULTI:
      return { kind: 'connection-multi', pid };
    default:
      return { kind: 'unknown', value, pid };
  }
}

/** The pid a status record (8 bytes at `off`) says it is from: the int32 at offset 4, host order. */
export function senderOf(record: Buffer, off = 0): number {
  return littleEndian ? record.readInt32LE(off + 4) : record.readInt32BE(off + 4);
}

/**
 * Reassembles 8-byte records from arbitrarily split chunks: the one framing of the status wire,
 * for a worker's own channel (StatusFramer) and for a fork server's shared FIFO (fork-server.ts).
 */
export class RecordFramer {
  #rest: Buffer = NO_BYTES;

  /** Bytes of an incomplete record waiting for the next chunk (0..7). */
  get pendingBytes(): number {
    return this.#rest.length;
  }

  /** Feeds one chunk; calls `onRecord` with each record it completes, in order (a view: copy it to keep it). */
  push(chunk: Buffer, onRecord: (record: Buffer) => void): void {
    const buf = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    let off = 0;
    for (; off + STATUS_RECORD_BYTES <= buf.length; off += STATUS_RECORD_BYTES) onRecord(buf.subarray(off, off + STATUS_RECORD_BYTES));
    // copy the tail so a few leftover bytes do not pin the whole chunk (nor see it read into again)
    this.#rest = off === buf.length ? NO_BYTES : Buffer.from(buf.subarray(off));
  }
}

/** Reassembles 8-byte status records from arbitrarily split chunks and decodes them. */
export class StatusFramer {
  readonly #records = new RecordFramer();

  /** Bytes of an incomplete record waiting for the next chunk (0..7). */
  get pendingBytes(): number {
    return this.#records.pendingBytes;
  }

  /** Feeds one chunk; returns every record it completes, in order. */
  push(chunk: Buffer): StatusMessage[] {
    const out: StatusMessage[] = [];
    this.#records.push(chunk, (r) => out.push(decode(littleEndian ? r.readInt32LE(0) : r.readInt32BE(0), senderOf(r))));
    return out;
  }
}

/** Calls `onMessage` for each status message read from `socket` (a worker's fd 3, our end: ChildHandle.channel). */
export function attachStatusChannel(socket: ChildChannel, onMessage: (message: StatusMessage) => void): StatusFramer {
  const framer = new StatusFramer();
  socket.on('data', (chunk: Buffer) => {
    for (const message of framer.push(chunk)) onMessage(message);
  });
  // A worker dying mid-write can leave a partial record; the pool learns about the death from 'exit'.
  socket.on('error', () => undefined);
  return framer;
}
