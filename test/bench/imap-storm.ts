// The connection storm client: C concurrent loops of connect, banner, `a LOGOUT`, tagged OK, close.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** What a storm measured. */
export interface StormResult {
  /** Connect start -> tagged `a OK` of each completed connection, in ms. */
  readonly latenciesMs: number[];
  /** Connections that failed or timed out (with the first reason). */
  readonly failures: number;
  readonly firstFailure: string | undefined;
  /** First connect -> last close. */
  readonly wallMs: number;
}

/** The timings of one session, from the start of connect(). */
export interface SessionTimes {
  readonly bannerMs: number;
  /** To the tagged `a OK` of LOGOUT. */
  readonly okMs: number;
}

/** One connection; resolves with its timings once closed, rejects on error, an unexpected reply or `timeoutMs`. */
export function imapSession(port: number, timeoutMs: number): Promise<SessionTimes> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let latency: number | undefined;
    let bannerMs = NaN;
    let buf = '';
    let sentLogout = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(new Error(`no tagged OK within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buf += chunk;
      if (!sentLogout) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) return;
        if (!buf.startsWith('* OK')) return void socket.destroy(new Error(`banner: ${buf.slice(0, eol)}`));
        sentLogout = true;
        bannerMs = performance.now() - t0;
        socket.write('a LOGOUT\r\n');
      }
      if (latency === undefined && /(^|\r\n)a OK/.test(buf)) {
        latency = performance.now() - t0;
        socket.end(); // let the server's close arrive, as a polite client does
      }
    });
    socket.on('error', () => undefined); // 'close' reports it
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (latency !== undefined) resolve({ bannerMs, okMs: latency });
      else reject(new Error(hadError ? `connection error after ${(performance.now() - t0).toFixed(0)} ms` : `closed before the tagged OK: ${JSON.stringify(buf.slice(0, 80))}`));
    });
    socket.once('error', (e) => {
      if (latency === undefined) reject(e);
    });
  });
}

/** `total` sessions over `concurrency` parallel loops; each session bounded by `timeoutMs`. */
export async function storm(port: number, concurrency: number, total: number, timeoutMs: number): Promise<StormResult> {
  const latenciesMs: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const t0 = performance.now();
  const loop = async (): Promise<void> => {
    while (next < total) {
      next++;
      try {
        latenciesMs.push((await imapSession(port, timeoutMs)).okMs);
      } catch (e) {
        failures++;
        firstFailure ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, loop));
  return { latenciesMs, failures, firstFailure, wallMs: performance.now() - t0 };
}
