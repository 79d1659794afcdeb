// The fork servers of one supervisor (fork-server.ts): which one holds which listening socket.
import { ForkServer, socketKey } from './fork-server.js';
import { CLOSE_RANGE_SYSCALL } from '../syscall-numbers.js';
import type { ForkedProcess, ForkRequest } from './forked-process.js';

/**
 * The fork servers of one supervisor: the current one, holding every listening socket bound so
 * far, and older ones still serving workers started before a socket was added.
 */
export class ForkServers {
  #current: ForkServer | undefined;
  readonly #retired = new Set<ForkServer>();
  /** Every socket fd given so far, with its key when given (a closed or reused fd is dropped). */
  readonly #known = new Map<number, string>();
  readonly #wrap: (argv: readonly string[]) => readonly string[];
  readonly #onError: (why: string) => void;
  readonly #closeRange: number | null;
  #broken = false;

  /** `closeRange`: close_range(2)'s number, this architecture's by default; null: children list /proc/self/fd (Linux before 5.11). */
  constructor(opts: { wrap?: (argv: readonly string[]) => readonly string[]; onError: (why: string) => void; closeRange?: number | null }) {
    this.#wrap = opts.wrap ?? ((a) => a);
    this.#onError = opts.onError;
    this.#closeRange = opts.closeRange === undefined ? (CLOSE_RANGE_SYSCALL[process.arch] ?? null) : opts.closeRange;
  }

  /** False once a fork server failed to start or died: workers are then started by Node's spawn. */
  get usable(): boolean {
    return !this.#broken;
  }

  /** Makes sure the current fork server holds `fds` (called once the sockets are bound, so that one fork server serves them all). */
  prepare(fds: readonly number[]): void {
    for (const fd of fds) {
      const key = socketKey(fd);
      if (key !== undefined) this.#known.set(fd, key);
    }
    const cur = this.#current;
    if (cur !== undefined && [...this.#liveKnown().values()].every((k) => cur.sockets.has(k))) return;
    this.#restart();
  }

  /** Starts `req` in the fork server holding its sockets; undefined when none can (then Node's spawn starts it). */
  spawn(req: ForkRequest): ForkedProcess | undefined {
    const keys = new Map<number, string>();
    for (const fd of req.fds) {
      if (typeof fd !== 'number') continue;
      const key = socketKey(fd);
      if (key === undefined) return undefined; // a closed fd: nothing to hand over
      keys.set(fd, key);
    }
    const held = (): boolean => this.#current !== undefined && [...keys.values()].every((k) => this.#current?.sockets.has(k) === true);
    if (!held()) this.prepare([...keys.keys()]);
    if (this.#broken || !held()) return undefined;
    return this.#current?.spawn(req, keys);
  }

  /**
   * shutdown(2) of a listening socket's reading side by the fork server that holds it, so that no
   * helper has to be spawned for it (a drain); false when none holds it (the caller does it itself).
   */
  async shutdownSocket(fd: number): Promise<boolean> {
    const key = socketKey(fd);
    if (key === undefined) return false;
    for (const server of [this.#current, ...this.#retired]) {
      if (server?.sockets.has(key) === true) return server.shutdownSocket(key);
    }
    return false;
  }

  /** Ends every fork server (their workers must be gone by now). */
  close(): void {
    this.#current?.close();
    this.#current = undefined;
    for (const s of this.#retired) s.close();
    this.#retired.clear();
  }

  #liveKnown(): Map<number, string> {
    for (const [fd, key] of this.#known) if (socketKey(fd) !== key) this.#known.delete(fd);
    return this.#known;
  }

  #restart(): void {
    const live = [...this.#liveKnown()];
    const old = this.#current;
    try {
      this.#current = new ForkServer({ fds: live.map(([fd]) => fd), keys: live.map(([, k]) => k), wrap: this.#wrap, onError: this.#onError, onLost: () => (this.#broken = true), closeRange: this.#closeRange });
    } catch (e) {
      // no temp dir for its FIFO, no fork: Node's spawn from now on
      this.#broken = true;
      this.#onError(`cannot start a fork server: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return;
    }
    if (old !== undefined) {
      this.#retired.add(old);
      old.retire(() => this.#retired.delete(old));
    }
  }
}
