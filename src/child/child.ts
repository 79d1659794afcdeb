// One OS process started by quiesce, and its state machine.
//
//   spawn ──▶ running ──signal(step)──▶ stopping ──exit──▶ exited
//     │          │                        │ signal(next step): stays stopping
//     │          └──────────exit (unexpected)──────────────▶ exited
//     └─(fork server)─▶ starting ──exec reported──▶ running
//                          └──staged start cancelled──▶ exited (never ran)
//
// A spawn that fails (ENOENT, EACCES) goes straight to exited with `spawnError` set. A worker
// started by the fork server (fork-server.ts) is `starting` until the fork server reports its exec
// (about a millisecond): signals asked for meanwhile are sent then. A staged one (the on-demand
// start) stays `starting` until a client waits on its socket, or until it is cancelled.
import { spawn, type StdioOptions } from 'node:child_process';
import type { Clock } from '../clock.js';
import type { CommandSpec } from '../config/types.js';
import type { Log } from '../log.js';
import type { ExitInfo } from './exit.js';
import { MAX_EXTRA_FDS } from './fork-server.js';
import type { ForkServers } from './fork-servers.js';
import type { ForkCredentials, ForkedProcess } from './forked-process.js';
import { catchesSignal, processGroupOf, signalGroup, signalPid, signalTree } from './kill-tree.js';
import { captureLines, type ByteSource, type ChildChannel } from './output.js';
import type { Stoppable } from './terminate.js';
import { TAG_VARIABLE, type TagScanner } from './tag-scan.js';
import { unreachable } from '../errors.js';

/** What a Cyrus program exits with once it has served its share or was asked to leave (EX_TEMPFAIL). */
const EX_TEMPFAIL = 75;

/**
 * Whether an exit is one the supervisor expected: it was being stopped, it is a one-shot (meant to
 * exit), or a worker left normally (exit 0 or 75). Anything else is a crash or a kill from outside.
 */
export function isExpectedExit(was: 'running' | 'stopping', role: SpawnOptions['role'], code: number | null, signal: NodeJS.Signals | null): boolean {
  if (was === 'stopping' || role === 'one-shot') return true;
  return role === 'worker' && signal === null && (code === 0 || code === EX_TEMPFAIL);
}

/** How often settle() looks at a young child's signal handlers. */
const SETTLE_POLL_MS = 5;

/** Escalation steps: the entry's stop signal, then SIGTERM, then SIGKILL. */
export type StopStep = 'stop' | 'term' | 'kill';

/** The lifecycle of one process; each state carries only its own data. */
export type ChildState =
  /** Forked by the fork server, its exec not reported yet: no pid known. */
  | { readonly kind: 'starting'; readonly pid: undefined; readonly startedAt: number }
  | { readonly kind: 'running'; readonly pid: number; readonly startedAt: number }
  | { readonly kind: 'stopping'; readonly pid: number; readonly startedAt: number; readonly step: StopStep; readonly signal: NodeJS.Signals; readonly signalledAt: number }
  | { readonly kind: 'exited'; readonly pid: number | undefined; readonly startedAt: number; readonly exit: ExitInfo; readonly expected: boolean };

/** What a spawn needs beyond the entry itself. */
export interface SpawnOptions {
  /** Unique marker inherited by every descendant (see kill-tree.ts). */
  readonly tag: string;
  /** Extra environment (CYRUS_SERVICE, ...), on top of quiesce's and the entry's. */
  readonly env?: Readonly<Record<string, string>>;
  /** stdio slots from fd 3 on: 'pipe' (status channel) or an fd number (listening socket). */
  readonly extraFds?: readonly ('pipe' | 'ignore' | number)[];
  /**
   * `worker`: a SERVICES worker, which may leave on its own (exit 0 or 75: it served its share,
   * `imapd -U 30`); `one-shot`: a START, SHUTDOWN or EVENTS command, which is meant to exit.
   * Either exit is expected; a kept process (DAEMON, a service without a socket) exits unexpectedly.
   */
  readonly role?: 'worker' | 'one-shot';
  /** stdout to /dev/null instead of a pipe read by quiesce; stderr is still captured. */
  readonly discardStdout?: boolean;
  /**
   * Stage the start (a worker on demand): the fork server forks it once a client waits on `fd`,
   * a listening socket among extraFds, and `onStart` is called when it has exec'd. Only a worker
   * the fork server starts can be staged (ChildHandle.staged says whether it is); any other
   * starts at once.
   */
  readonly whenReadable?: { readonly fd: number; readonly onStart: () => void };
}

/**
 * What units hold of a process: a Child, or a fake in unit tests. Process creation is injected
 * (UnitDeps.spawn), so pools, daemons, events and the shutdown run without processes in tests.
 */
export interface ChildHandle extends Stoppable {
  readonly spec: CommandSpec;
  readonly tag: string;
  readonly pid: number | undefined;
  readonly state: ChildState;
  /** Resolves once, when the process has exited (or failed to start). */
  readonly exited: Promise<ExitInfo>;
  /** `imapd[1234]`, how logs and progress lines name a child. */
  readonly label: string;
  /** Last lines of stderr, for failure reports. */
  readonly stderrTail: readonly string[];
  /** Our end of fd 3 when it was spawned with a pipe there: a worker's status channel, a wait daemon's ready pipe. */
  readonly channel: ChildChannel | undefined;
  /** A staged start (SpawnOptions.whenReadable) not forked yet: no process runs. */
  readonly staged?: boolean;
  /** Takes a staged start back: it then exits without having run, or starts if it was forked meanwhile. */
  cancelStaged?(): void;
  /** Sends `signal` to its process group without changing its state (SIGHUP: recycle). */
  signalOnly(signal: NodeJS.Signals): void;
  settle(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

/** Starts a process; never throws for a missing executable (the handle is then already exited). */
export type SpawnChild = (spec: CommandSpec, opts: SpawnOptions) => ChildHandle;

/** What a Child needs from the supervisor. */
export interface ChildDeps {
  readonly clock: Clock;
  readonly log: Log;
  /** Passes over /proc shared by every child of the supervisor (stragglers, "gone"). */
  readonly tags: TagScanner;
  /** Starts every child as its user with the parent-death signal (ops/launcher.ts); as quiesce, without, when absent. */
  readonly launch?: ChildLauncher;
  /** Starts the workers (role `worker`) without forking the supervisor; Node's spawn when absent. */
  readonly forkServers?: ForkServers;
  /**
   * The environment every child inherits, under the entry's own and the tag; when absent, a copy
   * of quiesce's own taken by spawner(). A copy, not process.env: reading process.env costs a
   * call into C++ per variable (about 90 µs for 35 variables), at every start.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** How a child is started as its user and with its parent-death signal (ops/launcher.ts). */
export interface ChildLauncher {
  /** The argv that Node's spawn executes (through setpriv when either is asked for). */
  wrap(argv: readonly string[], spec: CommandSpec): readonly string[];
  /** What a fork server does itself for `spec` instead of setpriv; undefined when it cannot (it then executes the wrapped argv). */
  forkAs(spec: CommandSpec): ForkCredentials | undefined;
}

/** What Child uses of a process: Node's ChildProcess, or a worker of the fork server (ForkedProcess). */
interface ProcessPort {
  readonly pid?: number | undefined;
  readonly stdout: ByteSource | null;
  readonly stderr: ByteSource | null;
  readonly stdio: readonly unknown[];
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'spawn', listener: () => void): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  once(event: 'cancelled', listener: () => void): unknown;
  cancel?(): void;
}

/** One process, from spawn to exit; the supervisor's only handle on an OS process. */
export class Child implements ChildHandle {
  readonly spec: CommandSpec;
  readonly tag: string;
  readonly exited: Promise<ExitInfo>;
  readonly stderrTail: string[] = [];
  readonly #process: ProcessPort;
  #state: ChildState;
  /** Signals asked for while `starting`, sent once the pid is known. */
  #early: (() => void)[] = [];
  readonly #deps: ChildDeps;
  readonly #role: SpawnOptions['role'];
  /** Started staged by the fork server (until it is forked or cancelled, `staged` reads true). */
  readonly #stagedStart: boolean;

  private constructor(spec: CommandSpec, opts: SpawnOptions, deps: ChildDeps) {
    this.spec = spec;
    this.tag = opts.tag;
    this.#deps = deps;
    this.#role = opts.role;
    const startedAt = deps.clock.now();
    this.#state = { kind: 'starting', pid: undefined, startedAt };
    const wrapped = (): readonly string[] => deps.launch?.wrap(spec.argv, spec) ?? spec.argv;
    const env = { ...deps.env, ...spec.env, ...opts.env, [TAG_VARIABLE]: opts.tag };
    const extraFds = opts.extraFds ?? [];
    const viaForkServer = opts.role === 'worker' && deps.forkServers?.usable === true && extraFds.length <= MAX_EXTRA_FDS;
    let forkedProcess: ForkedProcess | undefined;
    if (viaForkServer) {
      const as = deps.launch === undefined ? {} : deps.launch.forkAs(spec);
      const [file, ...args] = as === undefined ? wrapped() : spec.argv;
      const whenReadable = opts.whenReadable?.fd;
      forkedProcess = deps.forkServers?.spawn({ file: file ?? '/nonexistent', args, env, cwd: spec.cwd, captureStdout: opts.discardStdout !== true, fds: extraFds, as, whenReadable });
    }
    const forked = forkedProcess !== undefined;
    this.#stagedStart = forked && opts.whenReadable !== undefined;
    const [file, ...args] = forked ? [] : wrapped();
    // detached: the child leads its own process group, so kill(-pid) reaches its descendants,
    // and a Ctrl-C on quiesce's terminal reaches quiesce alone (which then decides). The fork
    // server gives its workers a session of their own likewise.
    this.#process = forkedProcess ?? spawn(file ?? '/nonexistent', args, { detached: true, stdio: ['ignore', opts.discardStdout ? 'ignore' : 'pipe', 'pipe', ...extraFds] satisfies StdioOptions, cwd: spec.cwd, env });
    let resolveExit: (e: ExitInfo) => void = () => undefined;
    this.exited = new Promise<ExitInfo>((resolve) => (resolveExit = resolve));
    let startFailed = false;
    this.#process.on('error', (error: NodeJS.ErrnoException) => {
      // Only a start that failed is news; later errors (kill() after the exit) are not: the exit is reported below.
      const s = this.#state;
      if (startFailed || (s.kind !== 'starting' && !(s.kind === 'exited' && s.pid === undefined))) return;
      startFailed = true;
      const exit: ExitInfo = { code: null, signal: null, spawnError: error.code ?? error.message, at: deps.clock.now() };
      this.#state = { kind: 'exited', pid: undefined, startedAt, exit, expected: false };
      this.#early = [];
      deps.log.emit({ event: 'child.spawn-failed', entry: spec.name, section: spec.section, message: `${spec.argv[0] ?? ''}: ${exit.spawnError ?? ''}` });
      resolveExit(exit);
    });
    if (this.#process.pid === undefined && !forked) {
      this.#state = { kind: 'exited', pid: undefined, startedAt, exit: { code: null, signal: null, spawnError: 'spawn failed', at: startedAt }, expected: false };
      return;
    }
    // stdout and stderr are read from the start, so nothing a starting worker writes is lost.
    const onLine = (stream: 'stdout' | 'stderr') => (line: string) => deps.log.emit({ event: 'child.output', entry: spec.name, section: spec.section, pid: this.#state.pid ?? -1, stream, line });
    if (this.#process.stdout) captureLines(this.#process.stdout, onLine('stdout'));
    if (this.#process.stderr) captureLines(this.#process.stderr, onLine('stderr'), this.stderrTail);
    // 'exit', not 'close': a grandchild holding the pipes open must not delay the exit.
    this.#process.once('exit', (code: number | null, signal: NodeJS.Signals | null) => this.#onExit(code, signal, resolveExit));
    const started = (pid: number): void => {
      // a staged start's life (settle()'s grace) begins at its fork, not when it was staged
      this.#state = { kind: 'running', pid, startedAt: this.#stagedStart ? deps.clock.now() : startedAt };
      deps.tags.lead(pid);
      deps.log.emit({ event: 'child.started', entry: spec.name, section: spec.section, pid, cmd: spec.cmd, worker: this.#role === 'worker' });
      if (this.#stagedStart) opts.whenReadable?.onStart();
      for (const send of this.#early.splice(0)) send();
    };
    // a staged start taken back: nothing ran, nothing is logged
    this.#process.once('cancelled', () => {
      if (this.#state.kind !== 'starting') return;
      const exit: ExitInfo = { code: null, signal: null, spawnError: undefined, at: deps.clock.now() };
      this.#state = { kind: 'exited', pid: undefined, startedAt, exit, expected: true };
      this.#early = [];
      resolveExit(exit);
    });
    const pid = this.#process.pid;
    if (pid !== undefined) {
      started(pid);
      return;
    }
    this.#process.once('spawn', () => {
      if (this.#state.kind === 'starting' && this.#process.pid !== undefined) started(this.#process.pid);
    });
  }

  /** The real processes of a supervisor: starts `spec`, never throws for a missing executable (the child is then already exited). */
  static spawner(deps: ChildDeps): SpawnChild {
    const withEnv: ChildDeps = { ...deps, env: deps.env ?? { ...process.env } };
    return (spec, opts) => new Child(spec, opts, withEnv);
  }

  get channel(): ChildChannel | undefined {
    return (this.#process.stdio[3] as ChildChannel | null | undefined) ?? undefined;
  }

  get state(): ChildState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#state.pid;
  }

  get label(): string {
    return `${this.spec.name}[${this.#state.pid ?? '-'}]`;
  }

  get staged(): boolean {
    return this.#stagedStart && this.#state.kind === 'starting';
  }

  cancelStaged(): void {
    if (this.staged) this.#process.cancel?.();
  }

  /**
   * Resolves once a freshly started child has a handler for `signal`, or after `graceMs` of its
   * life, whichever comes first. A program killed by the default action of SIGQUIT before it
   * installed its handlers dumps core and skips its cleanup (Cyrus master has this race).
   */
  async settle(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    for (;;) {
      const s = this.#state;
      if (s.kind === 'exited') return;
      const ageMs = this.#deps.clock.now() - s.startedAt;
      if (ageMs >= graceMs || (s.kind !== 'starting' && catchesSignal(s.pid, signal) !== false)) return;
      await this.#deps.clock.sleep(Math.min(SETTLE_POLL_MS, graceMs - ageMs));
    }
  }

  signalOnly(signal: NodeJS.Signals): void {
    if (this.#state.kind === 'starting') this.#early.push(() => this.signalOnly(signal));
    else if (this.#state.kind !== 'exited' && this.#state.pid !== undefined) signalGroup(this.#state.pid, signal);
  }

  /**
   * Sends `signal` to the child's group now, and to every tagged process that left it from the
   * next shared /proc pass (taken after the group signal, so nothing that left the group before it
   * is missed); `child.signalled` is logged once both are done.
   */
  signal(signal: NodeJS.Signals, step: StopStep): void {
    const state = this.#state;
    if (state.kind === 'starting') {
      this.cancelStaged(); // nothing to stop if it is not forked yet
      this.#early.push(() => this.signal(signal, step));
      return;
    }
    const pid = state.pid;
    if (pid === undefined) return;
    switch (state.kind) {
      case 'running':
      case 'stopping':
        // running -> stopping (stop step), stopping -> stopping (escalation)
        this.#state = { kind: 'stopping', pid, startedAt: state.startedAt, step, signal, signalledAt: this.#deps.clock.now() };
        // SIGKILL only: tree-kill also signals the group members, and a Cyrus child that gets a
        // second SIGTERM dies at once without cleanup (SA_RESETHAND).
        if (step === 'kill') signalTree(pid, signal);
        break;
      case 'exited':
        break; // the group or stragglers may still be there
      default:
        return unreachable(state);
    }
    signalGroup(pid, signal);
    void this.#signalStragglers(pid, signal, step);
  }

  async #signalStragglers(pid: number, signal: NodeJS.Signals, step: StopStep): Promise<void> {
    const tagged = (await this.#deps.tags.fresh()).get(this.tag) ?? [];
    const stragglers = tagged.filter((p) => p !== pid && processGroupOf(p) !== pid);
    for (const p of stragglers) signalPid(p, signal);
    this.#deps.log.emit({ event: 'child.signalled', entry: this.spec.name, section: this.spec.section, pid, signal, step, stragglers: stragglers.length, worker: this.#role === 'worker' });
  }

  /**
   * True when the child, its process group and every tagged process are gone. Only a /proc pass
   * taken after the exit can tell: one taken earlier may predate a grandchild that called setsid().
   */
  async isGone(): Promise<boolean> {
    const state = this.#state;
    if (state.kind !== 'exited') return false;
    if (state.pid === undefined) return true;
    // An empty group stays empty: nothing can join a process group that has no member.
    if (signalGroup(state.pid, 0)) return false;
    return ((await this.#deps.tags.fresh()).get(this.tag)?.length ?? 0) === 0;
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, resolve: (e: ExitInfo) => void): void {
    const state = this.#state;
    if (state.kind === 'exited') return;
    const exit: ExitInfo = { code, signal, spawnError: undefined, at: this.#deps.clock.now() };
    const expected = isExpectedExit(state.kind === 'stopping' ? 'stopping' : 'running', this.#role, code, signal);
    // starting (its fork server died)|running|stopping -> exited
    this.#state = { kind: 'exited', pid: state.pid, startedAt: state.startedAt, exit, expected };
    if (state.pid !== undefined) this.#deps.tags.leave(state.pid);
    this.#deps.log.emit({
      event: 'child.exited', entry: this.spec.name, section: this.spec.section, pid: state.pid ?? -1,
      code, signal, durationMs: exit.at - state.startedAt, expected, worker: this.#role === 'worker',
    });
    resolve(exit);
  }
}
