// Workers are started by a fork server, a small Perl process, so that the supervisor never forks.
//
// Why: Node's spawn() is synchronous. libuv forks the supervisor (page tables of a 60-80 MiB
// process) and then blocks the event loop until the child has called exec. Measured here with
// `setpriv --pdeathsig SIGTERM -- ...` children: 2.5 ms per spawn on an idle machine and 10.6 ms
// (p50; 20 ms p99) on a busy one, during which no status message is read and no other worker is
// started. Cyrus master forks a 3 MiB process and goes on at once. The fork server (about 5 MiB)
// forks, never waits for the exec, and reports it. Each worker's stderr is a pipe the fork server
// reads and forwards; its status channel (fd 3) is one FIFO shared by every worker of the fork
// server, as Cyrus master shares one pipe per service, which quiesce reads itself and routes by the
// pid in each message (measured: a connection cost the fork server 110 µs of CPU when it forwarded
// the status messages of per-worker pipes).
//
// Protocol (fd 0 requests, fd 1 events; both frames of a u32 big-endian length and a payload):
//   request  fields separated by NUL: S, id, cwd, argc, argv..., envc, K=V..., stdout ("p" a pipe,
//            "-" /dev/null), nfds, then per fd from 3: "s" (the status FIFO), "-" (closed), or k
//            (the k-th socket the fork server was started with), then uid, gid, groups (comma-
//            separated), the parent-death signal and prctl's syscall number ("" each when not
//            asked: setpriv's work done before the exec), then k to stage the start until a
//            client waits on the k-th socket ("" to fork at once); or C, id: cancel a staged
//            start; or D, id, k: shutdown(2) the k-th socket's reading side (a drain: new clients
//            are refused; the starts staged on it are cancelled).
//   event    one byte of type, u32 id, data:  R (id 0: the status FIFO exists) | P pid (it exec'd)
//            | F errno (it did not; no X follows) | E stderr bytes | O stdout bytes | X wait status
//            | K (a staged start cancelled, never forked: nothing follows) | D errno (0: the socket
//            was shut down).
// The listening sockets a worker gets are fds of the fork server fixed at its start (Perl cannot
// receive fds), so a socket bound later (a reload) starts a new fork server; the old one stays
// until its last worker has exited. EOF on its stdin ends a fork server, so it never outlives
// quiesce; under pdeathsig it is also started with it, so a SIGKILLed quiesce takes it along, and
// its workers (whose parent it is) get their own parent-death signal in turn.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FORK_SERVER_SCRIPT } from './fork-server-script.js';
import { ForkedProcess, type ForkRequest } from './forked-process.js';
import { RecordFramer, senderOf } from './status-channel.js';

/** The fd of the first inherited socket in the fork server (3..9 are held on /dev/null). */
const FIRST_SOCKET_FD = 10;
/** Fds a worker can be given from 3 on (3..9: targets stay below the fork server's sources). */
export const MAX_EXTRA_FDS = FIRST_SOCKET_FD - 3;

/**
 * Where the status FIFOs are read into (one buffer for every fork server: a record is handed on,
 * or copied, before the next read). The FIFO is read with net.Socket's `onread` rather than as a
 * stream: no Buffer per read, no stream machinery per message (a connection brings three).
 */
const statusBuffer = Buffer.alloc(64 * 1024);
/** Status messages kept for a pid whose exec is not reported yet (the FIFO and the event pipe are not ordered). */
const EARLY_STATUS_LIMIT = 1024;

/** A socket's identity while it is open (its fd number may be reused once it is closed). */
export function socketKey(fd: number): string | undefined {
  try {
    const st = fstatSync(fd);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** What a fork server is started with. */
export interface ForkServerOptions {
  /** quiesce's listening sockets it inherits (fds 10 and up in it), and their keys (socketKey). */
  readonly fds: readonly number[];
  readonly keys: readonly string[];
  /** Its argv as started (through setpriv for the parent-death signal). */
  readonly wrap: (argv: readonly string[]) => readonly string[];
  /** Something went wrong (its stderr, its exit): for the log. */
  readonly onError: (why: string) => void;
  /** It could not start or it died: its workers are lost. */
  readonly onLost: () => void;
  /**
   * close_range(2)'s number (CLOSE_RANGE_SYSCALL), with which each child marks every fd it must
   * not keep at once; or null to list /proc/self/fd in each child instead. The listing read the
   * fork server's whole fd table (three pipes per live worker) in every child and left a /proc
   * dentry per entry for the reap to tear down: measured, 250 ms of the fork server's system time
   * in a stop of 500 workers.
   */
  readonly closeRange: number | null;
}

/** One fork server process and the sockets it was started with. */
export class ForkServer {
  readonly #helper: ChildProcess;
  /** socket key -> index among its inherited sockets */
  readonly sockets: ReadonlyMap<string, number>;
  readonly #procs = new Map<number, ForkedProcess>();
  #nextId = 0;
  #pending: Buffer = Buffer.alloc(0);
  #closing = false;
  /** Workers by pid, for the status FIFO (each message carries its sender's pid). */
  readonly #byPid = new Map<number, ForkedProcess>();
  /** Messages of pids not known yet, in arrival order. */
  #early: Buffer[] = [];
  readonly #records = new RecordFramer();
  #status: net.Socket | undefined;
  #statusFd = -1;
  readonly #fifoDir: string;
  #onIdle: () => void = () => undefined;
  /** shutdown(2) requests waiting for their answer, by id. */
  readonly #shutdowns = new Map<number, (ok: boolean) => void>();

  constructor(opts: ForkServerOptions) {
    const { fds, keys, wrap, onError, onLost, closeRange } = opts;
    this.sockets = new Map(keys.map((k, i) => [k, i]));
    this.#fifoDir = mkdtempSync(join(tmpdir(), 'quiesce-fork-'));
    const [file, ...args] = wrap(['perl', '-e', FORK_SERVER_SCRIPT, String(fds.length), join(this.#fifoDir, 'status'), closeRange === null ? '' : String(closeRange)]);
    const stdio = ['pipe', 'pipe', 'pipe', ...Array<'ignore'>(FIRST_SOCKET_FD - 3).fill('ignore'), ...fds] as const;
    this.#helper = spawn(file ?? 'perl', args, { stdio: [...stdio], detached: true });
    this.#helper.on('error', (e: NodeJS.ErrnoException) => {
      if (this.#helper.pid !== undefined) return; // a write after its exit: the exit says it all
      // it never ran (perl missing): no 'exit' follows, so what was asked of it is lost here
      onError(`cannot start the fork server (perl): ${e.code ?? e.message}`);
      onLost();
      this.#lose();
    });
    this.#helper.stdin?.on('error', () => undefined);
    this.#helper.stdout?.on('data', (chunk: Buffer) => this.#read(chunk));
    this.#helper.stderr?.on('data', (chunk: Buffer) => onError(`fork server: ${chunk.toString('utf8').trim()}`));
    this.#helper.once('exit', (code, signal) => {
      if (!this.#closing) {
        onError(`the fork server exited (${signal ?? `code ${code ?? '?'}`}); its ${this.#procs.size} worker(s) were sent SIGTERM`);
        onLost();
      }
      this.#lose();
    });
  }

  /** The fork server is gone: every worker of it is lost (see ForkedProcess.lost), the FIFO closed. */
  #lose(): void {
    for (const answer of this.#shutdowns.values()) answer(false);
    this.#shutdowns.clear();
    for (const p of this.#procs.values()) p.lost();
    this.#procs.clear();
    this.#byPid.clear();
    this.#status?.destroy();
    this.#statusFd = -1;
    rmSync(this.#fifoDir, { recursive: true, force: true });
  }

  /** The FIFO exists: open it for reading and remove its name (nobody else can open it then). */
  #openStatus(): void {
    const path = join(this.#fifoDir, 'status');
    try {
      const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      this.#statusFd = fd;
      // `onread` is documented for net.connect() and taken by the Socket constructor itself
      // (Node 20); @types/node does not list it there, hence the wider type.
      const onread: net.OnReadOpts = { buffer: statusBuffer, callback: (n) => (this.#readStatus(statusBuffer.subarray(0, n)), true) };
      const opts: net.SocketConstructorOpts & { onread: net.OnReadOpts } = { fd, readable: true, writable: false, onread };
      this.#status = new net.Socket(opts);
      this.#status.on('error', () => undefined);
    } finally {
      rmSync(this.#fifoDir, { recursive: true, force: true });
    }
  }

  #readStatus(chunk: Buffer): void {
    this.#records.push(chunk, (record) => {
      const proc = this.#byPid.get(senderOf(record));
      if (proc !== undefined) proc.status(record);
      else if (this.#early.length < EARLY_STATUS_LIMIT) this.#early.push(Buffer.from(record));
    });
  }

  /**
   * Reads what is in the FIFO now. Called before an exit is handled: a worker's last messages were
   * written before it exited, so they are in the pipe by the time its exit is reported.
   */
  #drainStatus(): void {
    if (this.#statusFd < 0) return;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.#statusFd, statusBuffer, 0, statusBuffer.length, null);
      } catch {
        return; // EAGAIN: empty
      }
      if (n <= 0) return;
      this.#readStatus(statusBuffer.subarray(0, n));
    }
  }

  /** A pid became known: it gets what it sent before. */
  #known(proc: ForkedProcess, pid: number): void {
    this.#byPid.set(pid, proc);
    if (this.#early.length === 0) return;
    for (const r of this.#early) if (senderOf(r) === pid) proc.status(r);
    this.#early = this.#early.filter((r) => senderOf(r) !== pid);
  }

  /** Live workers of this fork server. */
  get size(): number {
    return this.#procs.size;
  }

  /** Starts `req`; `keys` holds the socketKey of each socket fd in it (its caller looked them up). */
  spawn(req: ForkRequest, keys: ReadonlyMap<number, string>): ForkedProcess {
    const id = ++this.#nextId;
    const proc = new ForkedProcess(req, () => void this.#send(['C', String(id)]));
    const socketIndex = (fd: number): string => {
      const key = keys.get(fd);
      const k = key === undefined ? undefined : this.sockets.get(key);
      if (k === undefined) throw new Error(`bug: fd ${fd} is not a socket of this fork server`);
      return String(k);
    };
    const fdSpecs = req.fds.map((f) => (f === 'pipe' ? 's' : f === 'ignore' ? '-' : socketIndex(f)));
    const wait = req.whenReadable === undefined ? '' : socketIndex(req.whenReadable);
    const env = Object.entries(req.env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`);
    const user = req.as?.user;
    const death = req.as?.pdeathsig;
    const as = [user?.uid, user?.gid, user?.groups.join(','), death?.signal, death?.prctl].map((v) => (v === undefined ? '' : String(v)));
    const fields = ['S', String(id), req.cwd ?? '', String(req.args.length + 1), req.file, ...req.args, String(env.length), ...env, req.captureStdout ? 'p' : '-', String(fdSpecs.length), ...fdSpecs, ...as, wait];
    this.#procs.set(id, proc);
    if (!this.#send(fields)) queueMicrotask(() => proc.lost());
    return proc;
  }

  /** shutdown(2) of the reading side of the socket with `key`; false when it is not ours or it failed. */
  shutdownSocket(key: string): Promise<boolean> {
    const k = this.sockets.get(key);
    if (k === undefined) return Promise.resolve(false);
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#shutdowns.set(id, resolve);
      if (!this.#send(['D', String(id), String(k)])) {
        this.#shutdowns.delete(id);
        resolve(false);
      }
    });
  }

  /** Writes one request; false when the fork server cannot take it any more. */
  #send(fields: readonly string[]): boolean {
    if (this.#helper.stdin?.writable !== true) return false;
    const payload = Buffer.from(fields.join('\0'), 'utf8');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(payload.length, 0);
    this.#helper.stdin.write(Buffer.concat([head, payload]));
    return true;
  }

  #read(chunk: Buffer): void {
    let buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let off = 0;
    let drained = false;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32BE(off);
      if (buf.length - off - 4 < len) break;
      const type = String.fromCharCode(buf[off + 4] ?? 0);
      const id = buf.readUInt32BE(off + 5);
      const data = buf.subarray(off + 9, off + 4 + len);
      off += 4 + len;
      if (type === 'R') {
        this.#openStatus();
        continue;
      }
      if (type === 'D') {
        this.#shutdowns.get(id)?.(data.readUInt32BE(0) === 0);
        this.#shutdowns.delete(id);
        continue;
      }
      const proc = this.#procs.get(id);
      if (proc === undefined) continue;
      if (type === 'X' && !drained) {
        // once per chunk: every exit in it was reported after its worker's last status write
        this.#drainStatus();
        drained = true;
      }
      proc.event(type, data);
      if (type === 'P' && proc.pid !== undefined) this.#known(proc, proc.pid);
      if (proc.done) {
        this.#procs.delete(id);
        if (proc.pid !== undefined) this.#byPid.delete(proc.pid);
        if (this.#procs.size === 0) this.#onIdle();
      }
    }
    buf = buf.subarray(off);
    this.#pending = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }

  /** Ends the fork server once its last worker is gone (at once when it has none). */
  retire(onClosed: () => void): void {
    this.#onIdle = () => {
      this.close();
      onClosed();
    };
    if (this.#procs.size === 0) this.#onIdle();
  }

  close(): void {
    this.#closing = true;
    this.#helper.stdin?.end();
    this.#status?.destroy();
    this.#statusFd = -1;
  }
}
