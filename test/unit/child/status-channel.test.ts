import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { attachStatusChannel, STATUS, StatusFramer, type StatusMessage } from '../../../src/child/status-channel.js';

function record(value: number, pid: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeInt32LE(value, 0);
  b.writeInt32LE(pid, 4);
  return b;
}

/** A worker's typical session: UNAVAILABLE, CONNECTION, AVAILABLE, then a multi and an unknown. */
const stream = Buffer.concat([
  record(STATUS.UNAVAILABLE, 9914),
  record(STATUS.CONNECTION, 9914),
  record(STATUS.AVAILABLE, 9914),
  record(STATUS.CONNECTION_MULTI, 77),
  record(0x42, 123456),
]);
const expected: StatusMessage[] = [
  { kind: 'unavailable', pid: 9914 },
  { kind: 'connection', pid: 9914 },
  { kind: 'available', pid: 9914 },
  { kind: 'connection-multi', pid: 77 },
  { kind: 'unknown', value: 0x42, pid: 123456 },
];

function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, buf.length]) {
    parts.push(buf.subarray(from, cut));
    from = cut;
  }
  return parts;
}

describe('StatusFramer', () => {
  it.each([
    { name: 'one chunk', cuts: [] },
    { name: 'split at 3', cuts: [3] },
    { name: 'split at 11', cuts: [11] },
    { name: 'split at 12', cuts: [12] },
    { name: 'split at 3, 11, 12', cuts: [3, 11, 12] },
    { name: 'record boundaries', cuts: [8, 16, 24, 32] },
    { name: 'one byte at a time', cuts: Array.from({ length: 39 }, (_, i) => i + 1) },
    { name: 'empty chunks between', cuts: [5, 5, 5, 21, 21] },
    { name: 'worker write sizes 3, 8, 1, 17', cuts: [3, 11, 12, 29] },
  ])('decodes every record when the stream is cut: $name', ({ cuts }) => {
    const framer = new StatusFramer();
    const got = splitAt(stream, cuts).flatMap((part) => framer.push(part));
    expect(got).toEqual(expected);
    expect(framer.pendingBytes).toBe(0);
  });

  it('keeps a partial record until the rest arrives', () => {
    const framer = new StatusFramer();
    expect(framer.push(stream.subarray(0, 13))).toEqual(expected.slice(0, 1));
    expect(framer.pendingBytes).toBe(5);
    expect(framer.push(stream.subarray(13, 16))).toEqual(expected.slice(1, 2));
    expect(framer.pendingBytes).toBe(0);
  });

  it('returns unknown message values instead of throwing', () => {
    const framer = new StatusFramer();
    expect(framer.push(Buffer.concat([record(0, 1), record(-1, 2)]))).toEqual([
      { kind: 'unknown', value: 0, pid: 1 },
      { kind: 'unknown', value: -1, pid: 2 },
    ]);
  });
});

describe('attachStatusChannel', () => {
  it('calls back once per message read from the socket, across chunks', () => {
    const socket = new Socket();
    const got: StatusMessage[] = [];
    attachStatusChannel(socket, (m) => got.push(m));
    for (const part of splitAt(stream, [3, 11, 12])) socket.emit('data', part);
    expect(got).toEqual(expected);
  });
});
