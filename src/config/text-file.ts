// A config file (YAML, cyrus.conf, a pair file) -> its text, or one positioned diagnostic saying why
// it is not a text file quiesce can read. Nothing of a binary file is echoed back.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Diagnostic } from '../errors.js';
import { err, ok, type Result } from '../errors.js';
import { LIMITS } from './limits.js';

/** One diagnostic for the whole file, at a position. */
export const fileProblem = (file: string, message: string, line = 1, col = 1): Diagnostic => ({ file, line, col, path: '', message });

/** Reads `file` (at most LIMITS.configFileBytes) and checks it is UTF-8 text. */
export function readConfigText(file: string): Result<string, Diagnostic[]> {
  let bytes: Buffer;
  try {
    bytes = readBounded(file, LIMITS.configFileBytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EFBIG') return err([fileProblem(file, `the file is larger than ${LIMITS.configFileBytes / (1024 * 1024)} MiB; not a config file?`)]);
    return err([fileProblem(file, `cannot read the config file (${code ?? String(e)})`)]);
  }
  return decodeConfigText(bytes, file);
}

/** The whole file, refusing anything over `maxBytes` without reading it all (a device, a huge file). */
function readBounded(file: string, maxBytes: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    if (fstatSync(fd).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      total += n;
      if (total > maxBytes) throw Object.assign(new Error('too large'), { code: 'EFBIG' });
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * YAML 1.2's printable set (c-printable): tab, LF, CR, and everything from U+0020 except DEL, the C1
 * controls (but NEL), the surrogates and U+FFFE/U+FFFF. A BOM at the start is allowed.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is this pattern's job
const NOT_PRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/u;

/** `bytes` as text, or the position of the first byte that is not UTF-8 or not printable. */
export function decodeConfigText(bytes: Uint8Array, file: string): Result<string, Diagnostic[]> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').replace(/^\ufeff/, '');
  const invalid = firstInvalidUtf8(bytes, text);
  const bad = NOT_PRINTABLE.exec(text);
  const at = invalid !== undefined && (bad === null || invalid < bad.index) ? { index: invalid, what: 'a byte that is not UTF-8' } : bad === null ? undefined : { index: bad.index, what: describeChar(bad[0]) };
  if (at === undefined) return ok(text);
  const { line, col } = lineCol(text, at.index);
  return err([fileProblem(file, `not a text file: ${at.what} at line ${line}, column ${col} (a config file is UTF-8 text)`, line, col)]);
}

/** Index in `text` of the first replacement character that stands for bytes that were not UTF-8. */
function firstInvalidUtf8(bytes: Uint8Array, text: string): number | undefined {
  let from = 0;
  for (;;) {
    const i = text.indexOf('\ufffd', from);
    if (i < 0) return undefined;
    // The prefix before the first doubtful character decoded exactly, so its byte length is its offset.
    const offset = Buffer.byteLength(text.slice(0, i)) + (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return i;
    from = i + 1;
  }
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  return code === 0 ? 'a NUL byte' : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** 1-based line and column of index `i`. */
function lineCol(text: string, i: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0 && nl < i; nl = text.indexOf('\n', nl + 1)) {
    line += 1;
    start = nl + 1;
  }
  return { line, col: i - start + 1 };
}
