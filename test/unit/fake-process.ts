// Fake processes for unit tests of units, the supervisor and the shutdown: what UnitDeps.spawn
// returns instead of a Child. No process is started; each fake exits when the test says so, or on
// the signals it is told to obey, on the manual clock's time.
import { PassThrough } from 'node:stream';
import { isExpectedExit, type ChildHandle, type ChildState, type SpawnChild, type SpawnOptions, type StopStep } from '../../src/child/child.js';
import type { ExitInfo } from '../../src/child/exit.js';
import { STATUS } from '../../src/child/status-channel.js';
import type { Clock } from '../../src/clock.js';
import type { CommandSpec } from '../../src/config/types.js';

/** A fake process; `obeys` lists the signals it exits on (SIGKILL always), with exit code 0. */
export class FakeProcess implements ChildHandle {
  readonly spec: CommandSpec;
  readonly tag: string;
  readonly opts: SpawnOptions;
  readonly exited: Promise<ExitInfo>;
  readonly stderrTail: string[] = [];
  readonly channel: PassThrough | undefined;
  /** Every signal it got, in order (signalOnly ones with step undefined). */
  readonly received: { signal: NodeJS.Signals; step: StopStep | undefined }[] = [];
  obeys: readonly NodeJS.Signals[];
  /** What a cancelStaged() meets: a staged start still held (cancelled), or one forked just before (it starts). */
  onCancel: 'cancelled' | 'forked' = 'cancelled';
  readonly #pid: number;
  #stagedStart: boolean;
  #state: ChildState;
  readonly #clock: Clock;
  #resolve: (e: ExitInfo) => void = () => undefined;

  /** `staging`: a start asked with whenReadable is staged (the fork server holds it) until fork(). */
  constructor(spec: CommandSpec, opts: SpawnOptions, pid: number, clock: Clock, obeys: readonly NodeJS.Signals[], staging = false) {
    this.spec = spec;
    this.opts = opts;
    this.tag = opts.tag;
    this.#clock = clock;
    this.obeys = obeys;
    this.#pid = pid;
    this.#stagedStart = staging && opts.whenReadable !== undefined;
    this.#state = this.#stagedStart ? { kind: 'starting', pid: undefined, startedAt: clock.now() } : { kind: 'running', pid, startedAt: clock.now() };
    this.exited = new Promise((r) => (this.#resolve = r));
    this.channel = opts.extraFds?.[0] === 'pipe' ? new PassThrough() : undefined;
  }

  get state(): ChildState {
    return this.#state;
  }

  get pid(): number | undefined {
    return this.#state.pid;
  }

  get label(): string {
    return `${this.spec.name}[${this.pid ?? '-'}]`;
  }

  get alive(): boolean {
    return this.#state.kind !== 'exited';
  }

  get staged(): boolean {
    return this.#stagedStart && this.#state.kind === 'starting';
  }

  /** As the fork server answers a cancel: later (an event), cancelled or, per onCancel, forked. */
  cancelStaged(): void {
    if (!this.staged) return;
    queueMicrotask(() => (this.onCancel === 'forked' ? this.fork() : this.#end({ code: null, signal: null, spawnError: undefined, at: this.#clock.now() }, true)));
  }

  /** A client waits: the fork server forks the staged start and reports its exec. */
  fork(): void {
    if (!this.staged) return;
    this.#state = { kind: 'running', pid: this.#pid, startedAt: this.#clock.now() };
    this.opts.whenReadable?.onStart();
  }

  /** The staged start was forked but its exec failed (the fork server's 'F'). */
  failExec(errno = 'ENOENT'): void {
    if (this.staged) this.#end({ code: null, signal: null, spawnError: errno, at: this.#clock.now() }, false);
  }

  #end(exit: ExitInfo, expected: boolean): void {
    this.#state = { kind: 'exited', pid: undefined, startedAt: this.#state.startedAt, exit, expected };
    this.#resolve(exit);
  }

  signal(signal: NodeJS.Signals, step: StopStep): void {
    this.received.push({ signal, step });
    const s = this.#state;
    if (s.kind === 'exited' || s.kind === 'starting') return;
    this.#state = { kind: 'stopping', pid: s.pid, startedAt: s.startedAt, step, signal, signalledAt: this.#clock.now() };
    if (signal === 'SIGKILL') this.exit(null, 'SIGKILL');
    else if (this.obeys.includes(signal)) this.exit(0);
  }

  signalOnly(signal: NodeJS.Signals): void {
    this.received.push({ signal, step: undefined });
    if (this.alive && this.obeys.includes(signal)) this.exit(0);
  }

  /** Exits now, as the real process would (`expected` worked out as Child does). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    const s = this.#state;
    if (s.kind === 'exited') return;
    const exit: ExitInfo = { code, signal, spawnError: undefined, at: this.#clock.now() };
    this.#state = { kind: 'exited', pid: s.pid, startedAt: s.startedAt, exit, expected: isExpectedExit(s.kind === 'stopping' ? 'stopping' : 'running', this.opts.role, code, signal) };
    this.#resolve(exit);
  }

  /** Writes a Cyrus status message on its fd 3, as a worker does. */
  status(message: keyof typeof STATUS): void {
    const record = Buffer.alloc(8);
    record.writeInt32LE(STATUS[message], 0);
    record.writeInt32LE(this.pid ?? 0, 4);
    this.channel?.write(record);
  }

  isGone(): Promise<boolean> {
    return Promise.resolve(this.#state.kind === 'exited');
  }

  settle(): Promise<void> {
    return Promise.resolve();
  }
}

/** A spawner of fakes that keeps every one it made; fakes obey `obeys` unless changed; `staging`: as with a fork server. */
export function fakeSpawner(clock: Clock, obeys: readonly NodeJS.Signals[] = ['SIGQUIT', 'SIGTERM'], staging = false): { spawn: SpawnChild; spawned: FakeProcess[]; alive: () => FakeProcess[] } {
  const spawned: FakeProcess[] = [];
  let pid = 1000;
  return {
    spawned,
    alive: () => spawned.filter((p) => p.alive),
    spawn: (spec, opts) => {
      const p = new FakeProcess(spec, opts, ++pid, clock, obeys, staging);
      spawned.push(p);
      return p;
    },
  };
}

/** Lets pending promise callbacks run (a few turns of the microtask queue, and stream events). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((r) => setImmediate(r));
  }
}
