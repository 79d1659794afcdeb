// A worker started by a fork server (fork-server.ts), as Child sees it: the parts of a ChildProcess it uses.
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { getSystemErrorName } from 'node:util';

/** What one worker is started with. */
export interface ForkRequest {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** stdout to a pipe read by quiesce (else /dev/null). */
  readonly captureStdout: boolean;
  /** From fd 3 on: 'pipe' (the status FIFO), 'ignore' (closed), or a listening socket fd of quiesce. */
  readonly fds: readonly ('pipe' | 'ignore' | number)[];
  /** What the fork server does before the exec instead of setpriv (nothing when absent). */
  readonly as?: ForkCredentials;
  /**
   * Staged: one of `fds`, a listening socket; the fork server forks only once a client waits on it
   * (the on-demand start, from its own select loop), until then cancel() takes it back.
   */
  readonly whenReadable?: number;
}

/** Who a worker becomes and the signal it gets when its fork server dies (setpriv's work, done by the fork server). */
export interface ForkCredentials {
  /** uid, gid and the complete list of supplementary groups (`--reuid --regid --init-groups`). */
  readonly user?: { readonly uid: number; readonly gid: number; readonly groups: readonly number[] };
  /** The parent-death signal's number and the prctl(2) system call number of this architecture. */
  readonly pdeathsig?: { readonly signal: number; readonly prctl: number };
}

/**
 * The bytes of one of a worker's streams as the fork server reports them: 'data' (a Buffer) and
 * 'end', emitted at once. Not a stream.Readable: a PassThrough per stream and worker (three per
 * worker) was a measurable share of a worker start, and nothing here needs buffering or
 * backpressure. Its readers attach when the worker is started, before any event can arrive.
 */
export class Feed extends EventEmitter {
  #ended = false;

  write(chunk: Buffer): void {
    if (!this.#ended) this.emit('data', chunk);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('end');
  }

  /** Stops reading (the reader is done with it). */
  destroy(): void {
    this.#ended = true;
    this.removeAllListeners();
  }
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/**
 * A worker started by a fork server, shaped like the parts of a ChildProcess that Child uses:
 * `pid` (undefined until the fork server reports the exec: 'spawn'), stdout/stderr/stdio[3] as
 * Feeds, 'exit' (code, signal) and 'error' (the exec failed); a staged one also 'cancelled' (it
 * was never forked: nothing else follows).
 */
export class ForkedProcess extends EventEmitter {
  pid: number | undefined;
  readonly stdout: Feed | null;
  readonly stderr = new Feed();
  readonly stdio: readonly (Feed | null)[];
  #exited = false;
  readonly #cancel: () => void;

  /** `cancel`: asks its fork server to take back a staged start. */
  constructor(req: ForkRequest, cancel: () => void = () => undefined) {
    super();
    this.stdout = req.captureStdout ? new Feed() : null;
    this.stdio = [null, this.stdout, this.stderr, ...req.fds.map((f) => (f === 'pipe' ? new Feed() : null))];
    this.#cancel = cancel;
  }

  /** Takes back a staged start not forked yet: 'cancelled' follows, or 'spawn' when it was forked meanwhile. */
  cancel(): void {
    if (!this.#exited && this.pid === undefined) this.#cancel();
  }

  /** true once the process is gone (or never ran); the fork server forgets it. */
  get done(): boolean {
    return this.#exited;
  }


  /** A status message of this worker, read from the shared FIFO. */
  status(record: Buffer): void {
    this.stdio[3]?.write(record);
  }

  /** @internal one event of the fork server */
  event(type: string, data: Buffer): void {
    switch (type) {
      case 'P':
        this.pid = data.readUInt32BE(0);
        this.emit('spawn');
        return;
      case 'F': {
        this.#exited = true;
        const e: NodeJS.ErrnoException = new Error(`spawn ${getSystemErrorName(-data.readUInt32BE(0))}`);
        e.code = getSystemErrorName(-data.readUInt32BE(0));
        this.#end();
        this.emit('error', e);
        return;
      }
      case 'E':
        this.stderr.write(data);
        return;
      case 'O':
        this.stdout?.write(data);
        return;
      case 'K':
        this.#exited = true;
        this.#end();
        this.emit('cancelled');
        return;
      case 'X': {
        this.#exited = true;
        const status = data.readUInt32BE(0);
        const sig = status & 0x7f;
        this.emit('exit', sig === 0 ? (status >> 8) & 0xff : null, sig === 0 ? null : (SIGNAL_NAMES.get(sig) ?? null));
        this.#end();
        return;
      }
    }
  }

  /**
   * The fork server died: nothing of this worker is heard any more, and it cannot be reaped. It is
   * sent SIGTERM (what its parent-death signal does) and reported gone, so that it is replaced.
   */
  lost(): void {
    if (this.#exited) return;
    this.#exited = true;
    if (this.pid !== undefined) {
      try {
        process.kill(-this.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    this.#end();
    this.emit('exit', null, 'SIGTERM');
  }

  #end(): void {
    for (const s of this.stdio) s?.end();
  }
}
