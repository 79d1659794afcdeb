// The log sink degrades instead of throwing: a full disk sends lines to stderr, a recovery brings
// them back, a deleted file is opened again, and nothing is ever thrown at the caller.
import { describe, expect, it } from 'vitest';
import { LOG_SINK, LogSink, type SinkFs } from '../../src/log-sink.js';

/** A file system in memory whose log file can be made to fail with an errno, or to take only part of a write. */
function fakeFs() {
  const files = new Map<number, { path: string; text: string }>();
  let nextFd = 10;
  let nextIno = 1;
  const inode = new Map<string, number>();
  const state = {
    stderr: '',
    failWith: undefined as string | undefined,
    /** Bytes the next failing write still takes before it fails (a cut line). */
    takeBeforeFailing: 0,
    stderrFails: false,
    contents: (path: string): string => [...files.values()].filter((f) => f.path === path).map((f) => f.text).join(''),
    remove: (path: string) => void inode.delete(path),
  };
  const errno = (code: string) => Object.assign(new Error(code), { code });
  const fs: SinkFs = {
    open: (path) => {
      if (state.failWith !== undefined) throw errno(state.failWith);
      if (!inode.has(path)) inode.set(path, nextIno++);
      files.set(nextFd, { path: `${path}#${inode.get(path)}`, text: '' });
      return nextFd++;
    },
    write: (fd, data, offset) => {
      const chunk = data.subarray(offset).toString();
      if (fd === 2) {
        if (state.stderrFails) throw errno('EPIPE');
        state.stderr += chunk;
        return chunk.length;
      }
      const f = files.get(fd) as { text: string };
      if (state.failWith !== undefined) {
        const n = state.takeBeforeFailing;
        state.takeBeforeFailing = 0;
        if (n > 0) {
          f.text += chunk.slice(0, n);
          return n;
        }
        throw errno(state.failWith);
      }
      f.text += chunk;
      return chunk.length;
    },
    close: (fd) => void files.delete(fd),
    idOfFd: (fd) => (files.get(fd) as { path: string }).path,
    idOfPath: (path) => {
      const ino = inode.get(path);
      if (ino === undefined) throw errno('ENOENT');
      return `${path}#${ino}`;
    },
  };
  return { fs, state };
}

function sinkOn(file: string | undefined) {
  const { fs, state } = fakeFs();
  let now = 1_000_000;
  const opened = LogSink.open(file, { fs, now: () => now });
  if (!opened.ok) throw new Error(opened.error);
  return { sink: opened.value, state, advance: (ms: number) => (now += ms) };
}

describe('log sink', () => {
  it('sends lines to stderr while the file fails, says so once, and goes back to the file when it can', () => {
    const { sink, state, advance } = sinkOn('/var/log/q.log');
    sink.write('one\n');
    state.failWith = 'ENOSPC';
    sink.write('two\n');
    sink.write('three\n');
    expect(sink.takeChanges()).toEqual([{ kind: 'failed', error: 'ENOSPC' }]);
    expect(sink.status()).toMatchObject({ failing: true, error: 'ENOSPC', failedWrites: 1, fallbackLines: 2, droppedLines: 0 });
    expect(state.stderr).toBe('two\nthree\n');
    state.failWith = undefined;
    sink.write('four\n'); // the retry is not due yet: still stderr
    expect(state.stderr).toBe('two\nthree\nfour\n');
    advance(LOG_SINK.retryMs);
    sink.write('five\n');
    expect(sink.takeChanges()).toEqual([{ kind: 'recovered', error: 'ENOSPC', failedForMs: LOG_SINK.retryMs, fallbackLines: 3, droppedLines: 0 }]);
    expect(state.contents('/var/log/q.log#1')).toBe('one\nfive\n');
    expect(sink.status().failing).toBe(false);
  });

  it('ends a line the failure cut before writing the next one', () => {
    const { sink, state, advance } = sinkOn('/var/log/q.log');
    state.failWith = 'EIO';
    state.takeBeforeFailing = 3;
    sink.write('abcdef\n');
    state.failWith = undefined;
    advance(LOG_SINK.retryMs);
    sink.write('next\n');
    expect(state.contents('/var/log/q.log#1')).toBe('abc\nnext\n');
  });

  it('drops and counts lines when stderr fails too, and never throws', () => {
    const { sink, state } = sinkOn('/var/log/q.log');
    state.failWith = 'EROFS';
    state.stderrFails = true;
    expect(() => sink.write('lost\n')).not.toThrow();
    expect(sink.status()).toMatchObject({ failing: true, error: 'EROFS', droppedLines: 1 });
  });

  it('with stderr as the log, drops lines while stderr fails and retries it', () => {
    const { sink, state, advance } = sinkOn(undefined);
    state.stderrFails = true;
    sink.write('a\n');
    sink.write('b\n');
    expect(sink.status()).toMatchObject({ target: 'stderr', failing: true, error: 'EPIPE', droppedLines: 2, failedWrites: 1 });
    state.stderrFails = false;
    advance(LOG_SINK.retryMs);
    sink.write('c\n');
    expect(state.stderr).toBe('c\n');
    expect(sink.takeChanges().map((c) => c.kind)).toEqual(['failed', 'recovered']);
  });

  it('opens the log file again when it was deleted (noticed at a write after checkMs)', () => {
    const { sink, state, advance } = sinkOn('/var/log/q.log');
    sink.write('before\n');
    state.remove('/var/log/q.log');
    advance(LOG_SINK.checkMs);
    sink.write('after\n');
    expect(sink.takeChanges()).toEqual([{ kind: 'reopened', reason: 'the log file was deleted' }]);
    expect(state.contents('/var/log/q.log#2')).toBe('after\n');
  });

  it('a reopen that fails (SIGUSR1 on a read-only file system) keeps the sink writing to stderr until it can', () => {
    const { sink, state, advance } = sinkOn('/var/log/q.log');
    state.failWith = 'EACCES';
    sink.reopen();
    sink.write('x\n');
    expect(sink.status()).toMatchObject({ failing: true, error: 'EACCES' });
    expect(state.stderr).toBe('x\n');
    state.failWith = undefined;
    advance(LOG_SINK.retryMs);
    sink.write('y\n');
    expect(state.contents('/var/log/q.log#1')).toBe('y\n');
  });

  it('a log file that cannot be opened at start is an error (exit 75 in run.ts)', () => {
    const { fs, state } = fakeFs();
    state.failWith = 'EACCES';
    expect(LogSink.open('/var/log/q.log', { fs })).toEqual({ ok: false, error: 'EACCES' });
  });
});
