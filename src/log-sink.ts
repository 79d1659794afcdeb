// Where log lines are written, and what happens when they cannot be: the log is never a reason to
// stop supervising.
//
//   ok ──write fails (ENOSPC, EIO, EROFS, EFBIG...)──▶ failing: lines go to stderr instead
//   failing ──a retry (at most every RETRY_MS) succeeds, or SIGUSR1 reopens──▶ ok
//
// Every write is synchronous (nothing is lost when quiesce exits) and never throws. While the log
// file fails, lines go to stderr (the journal under systemd); when stderr fails too, or when stderr
// is the log, they are dropped and counted. A log file that was deleted or replaced (logrotate
// without a SIGUSR1) is noticed at the next write after CHECK_MS and opened again.
import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { err, ok, type Result } from './errors.js';

/** Timings of the sink, in one place (README "Logging"). */
export const LOG_SINK = {
  /** While failing, how often the log file is tried again. */
  retryMs: 1_000,
  /** How often a write checks that the log file is still the one at its path. */
  checkMs: 5_000,
  /** How long one line may wait for a full pipe (EAGAIN) before it counts as a failed write. */
  pipeWaitMs: 100,
} as const;

/** The file operations the sink uses; injected so tests can make a disk fill up. */
export interface SinkFs {
  open(path: string): number;
  write(fd: number, data: Buffer, offset: number): number;
  close(fd: number): void;
  /** dev:ino of an open fd / of a path (throws ENOENT when the path is gone). */
  idOfFd(fd: number): string;
  idOfPath(path: string): string;
}

const realFs: SinkFs = {
  open: (path) => {
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'a', 0o666);
  },
  write: (fd, data, offset) => writeSync(fd, data, offset),
  close: (fd) => closeSync(fd),
  idOfFd: (fd) => {
    const s = fstatSync(fd);
    return `${s.dev}:${s.ino}`;
  },
  idOfPath: (path) => {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  },
};

/** What `quiesce status` and the metrics show about the log. */
export interface LogSinkStatus {
  /** The log file, or `stderr`. */
  readonly target: string;
  readonly failing: boolean;
  /** The error of the failing writes (`ENOSPC`), while failing. */
  readonly error: string | undefined;
  /** When it started failing (ms since the epoch), while failing. */
  readonly sinceMs: number | undefined;
  /** Writes to the target that failed, since the start. */
  readonly failedWrites: number;
  /** Lines written to stderr because the log file failed. */
  readonly fallbackLines: number;
  /** Lines lost: neither the target nor stderr took them. */
  readonly droppedLines: number;
}

/** A change the Log turns into an event (log.failed / log.recovered / log.reopened). */
export type SinkChange =
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'recovered'; readonly error: string; readonly failedForMs: number; readonly fallbackLines: number; readonly droppedLines: number }
  | { readonly kind: 'reopened'; readonly reason: string };

const STDERR = 2;

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

/** A synchronous line writer to a file (or stderr) that degrades instead of throwing. */
export class LogSink {
  readonly #file: string | undefined;
  readonly #fs: SinkFs;
  readonly #now: () => number;
  #fd: number | undefined;
  #fdId: string | undefined;
  #failing: { readonly error: string; readonly sinceMs: number; lastTryMs: number } | undefined;
  #partial = false;
  #checkedMs: number;
  #changes: SinkChange[] = [];
  #failedWrites = 0;
  #fallbackLines = 0;
  #droppedLines = 0;

  private constructor(file: string | undefined, fs: SinkFs, now: () => number) {
    this.#file = file;
    this.#fs = fs;
    this.#now = now;
    this.#checkedMs = now();
  }

  /** Opens `file` (undefined = stderr). A file that cannot be opened at start is an error (exit 75). */
  static open(file: string | undefined, deps: { fs?: SinkFs; now?: () => number } = {}): Result<LogSink, string> {
    const sink = new LogSink(file, deps.fs ?? realFs, deps.now ?? Date.now);
    if (file === undefined) return ok(sink);
    try {
      sink.#adopt(sink.#fs.open(file));
    } catch (e) {
      return err(codeOf(e));
    }
    return ok(sink);
  }

  /** Writes one line (with its newline); never throws. */
  write(line: string): void {
    const data = Buffer.from(line);
    if (this.#file === undefined) {
      if (!this.#attempt(() => this.#writeAll(STDERR, data))) this.#droppedLines += 1;
      return;
    }
    this.#noticeReplacedFile();
    if (this.#attempt(() => this.#writeToFile(data))) return;
    try {
      this.#writeAll(STDERR, data);
      this.#fallbackLines += 1;
    } catch {
      this.#droppedLines += 1;
    }
  }

  /** Closes and opens the log file again (SIGUSR1, logrotate); a failure puts the sink in `failing`. */
  reopen(): void {
    if (this.#file === undefined) return;
    this.#closeFd();
    this.#attempt(() => this.#adopt(this.#fs.open(this.#file as string)), true);
  }

  /** The changes since the last call, oldest first. */
  takeChanges(): SinkChange[] {
    return this.#changes.splice(0);
  }

  status(): LogSinkStatus {
    const f = this.#failing;
    return {
      target: this.#file ?? 'stderr', failing: f !== undefined, error: f?.error, sinceMs: f?.sinceMs,
      failedWrites: this.#failedWrites, fallbackLines: this.#fallbackLines, droppedLines: this.#droppedLines,
    };
  }

  /** Runs `op` unless the sink is failing and the next retry is not due; records the outcome. */
  #attempt(op: () => void, force = false): boolean {
    const now = this.#now();
    const f = this.#failing;
    if (f !== undefined && !force && now - f.lastTryMs < LOG_SINK.retryMs) return false;
    try {
      op();
    } catch (e) {
      this.#failedWrites += 1;
      if (f === undefined) {
        this.#failing = { error: codeOf(e), sinceMs: now, lastTryMs: now }; // ok -> failing
        this.#changes.push({ kind: 'failed', error: codeOf(e) });
      } else {
        f.lastTryMs = now;
      }
      return false;
    }
    if (f !== undefined) {
      this.#failing = undefined; // failing -> ok
      this.#changes.push({ kind: 'recovered', error: f.error, failedForMs: now - f.sinceMs, fallbackLines: this.#fallbackLines, droppedLines: this.#droppedLines });
    }
    return true;
  }

  #writeToFile(data: Buffer): void {
    if (this.#fd === undefined) this.#adopt(this.#fs.open(this.#file as string));
    const fd = this.#fd as number;
    // A line cut by the failure that ended the last write must not swallow the next one.
    if (this.#partial) this.#writeAll(fd, Buffer.from('\n'));
    this.#writeAll(fd, data);
  }

  /** Writes all of `data`, waiting up to pipeWaitMs in all for a full pipe; marks a cut line. */
  #writeAll(fd: number, data: Buffer): void {
    let offset = 0;
    let waitedMs = 0;
    while (offset < data.length) {
      try {
        offset += this.#fs.write(fd, data, offset);
      } catch (e) {
        if (codeOf(e) === 'EAGAIN' && waitedMs < LOG_SINK.pipeWaitMs) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          waitedMs += 5;
          continue;
        }
        if (fd !== STDERR) this.#partial = offset > 0;
        throw e;
      }
    }
    if (fd !== STDERR) this.#partial = false;
  }

  /** A deleted or replaced log file is opened again at its path (checked at most every checkMs). */
  #noticeReplacedFile(): void {
    const now = this.#now();
    if (this.#fd === undefined || now - this.#checkedMs < LOG_SINK.checkMs) return;
    this.#checkedMs = now;
    let replaced: string | undefined;
    try {
      if (this.#fs.idOfPath(this.#file as string) !== this.#fdId) replaced = 'the log file was replaced';
    } catch {
      replaced = 'the log file was deleted';
    }
    if (replaced === undefined) return;
    this.#closeFd();
    if (this.#attempt(() => this.#adopt(this.#fs.open(this.#file as string)), true)) this.#changes.push({ kind: 'reopened', reason: replaced });
  }

  #adopt(fd: number): void {
    this.#fd = fd;
    this.#partial = false;
    try {
      this.#fdId = this.#fs.idOfFd(fd);
    } catch {
      this.#fdId = undefined;
    }
  }

  #closeFd(): void {
    if (this.#fd === undefined) return;
    try {
      this.#fs.close(this.#fd);
    } catch {
      // already unusable; a new one is opened next
    }
    this.#fd = undefined;
  }
}
