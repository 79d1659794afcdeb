// On-demand start (prefork: 0): learn that a client waits in a listener's backlog without accepting.
//
// Cyrus master select()s the listening socket while a service has no idle worker and forks one
// when it becomes readable; it never accepts. Node cannot wait for readability without accepting,
// so a small Perl helper (Perl is Essential on Debian; ~5 MB RSS against ~40 MB for a Node helper)
// blocks in select() on its copy of the listening fd (fd 4) and writes one byte on stdout per
// readiness, then blocks until one byte comes back on stdin (re-arm). EOF on stdin (the supervisor
// closed it, or died) makes it exit, so it never outlives the supervisor.
//
//   idle ──start──▶ armed ──client waiting──▶ reported ──rearm──▶ armed
//                     └────────close / helper exit (from any state)────────▶ closed
//
// readiness is level-triggered: re-arming while the client is still in the backlog reports it
// again at once. Re-arm only after a worker took the connection (UNAVAILABLE/CONNECTION) or died.
import { spawn, type ChildProcess } from 'node:child_process';
import { groupOf, stopGroup } from '../child/terminate.js';
import { unreachable } from '../errors.js';

/**
 * The helper. select() on fds 0 and 4 while armed: 4 readable -> write "r" and wait for a byte on
 * 0; 0 readable -> EOF means exit, a stray byte is ignored. $! is checked via %! (Errno).
 */
const WATCHER_SCRIPT = `
$0 = "quiesce-accept-watcher";
my $armed = 1;
my $want = ""; vec($want, 0, 1) = 1; vec($want, 4, 1) = 1;
while (1) {
  if ($armed) {
    my $n = select(my $got = $want, undef, undef, undef);
    if ($n < 0) { next if $!{EINTR}; die "select: $!\\n"; }
    if (vec($got, 0, 1)) { my $r = sysread(STDIN, my $b, 64); exit 0 unless $r; next; }
    if (vec($got, 4, 1)) { syswrite(STDOUT, "r") or exit 0; $armed = 0; }
  } else {
    my $r = sysread(STDIN, my $b, 1);
    if (!defined $r) { next if $!{EINTR}; die "read: $!\\n"; }
    exit 0 if $r == 0;
    $armed = 1;
  }
}
`;

/** What an AcceptWatcher needs. */
export interface AcceptWatcherOptions {
  /** The listening socket (BoundListener.fd). */
  readonly listenFd: number;
  /** A client waits in the backlog; called once per arming. */
  readonly onReady: () => void;
  /** The helper ended without close() (crash, perl missing): on-demand start no longer works. */
  readonly onExit?: (why: string) => void;
  /** The perl executable; `perl` from PATH by default. */
  readonly perl?: string;
}

type WatcherState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'armed'; readonly helper: ChildProcess }
  | { readonly kind: 'reported'; readonly helper: ChildProcess }
  | { readonly kind: 'closed' };

/** Reports each time a client waits on a listener that no worker is accepting on. */
export class AcceptWatcher {
  #state: WatcherState = { kind: 'idle' };
  readonly #opts: AcceptWatcherOptions;
  #stderr = '';

  constructor(opts: AcceptWatcherOptions) {
    this.#opts = opts;
  }

  /** Where the watcher is: `reported` means a client was reported and it waits for rearm(). */
  get state(): WatcherState['kind'] {
    return this.#state.kind;
  }

  /** The helper's pid while it runs. */
  get pid(): number | undefined {
    return this.#state.kind === 'armed' || this.#state.kind === 'reported' ? this.#state.helper.pid : undefined;
  }

  /** Starts the helper, armed. */
  start(): void {
    if (this.#state.kind !== 'idle') throw new Error(`AcceptWatcher.start() in state ${this.#state.kind}`);
    const helper = spawn(this.#opts.perl ?? 'perl', ['-e', WATCHER_SCRIPT], {
      // detached: its own process group, so a terminal's ^C or a group kill of workers misses it
      stdio: ['pipe', 'pipe', 'pipe', 'ignore', this.#opts.listenFd],
      detached: true,
    });
    helper.stdout?.on('data', (chunk: Buffer) => this.#onReadyBytes(chunk.length));
    helper.stderr?.setEncoding('utf8').on('data', (s: string) => (this.#stderr = (this.#stderr + s).slice(-2000)));
    helper.stdin?.on('error', () => undefined); // EPIPE when the helper died first; 'exit' reports it
    helper.on('error', (e) => this.#onHelperGone(`cannot run perl: ${e.message}`));
    helper.on('exit', (code, signal) => this.#onHelperGone(`exited ${signal ?? code}${this.#stderr ? `: ${this.#stderr.trim()}` : ''}`));
    this.#state = { kind: 'armed', helper }; // idle -> armed
  }

  /** Watches again after a report; ignored unless a report is outstanding. */
  rearm(): void {
    switch (this.#state.kind) {
      case 'reported':
        this.#state.helper.stdin?.write('a');
        this.#state = { kind: 'armed', helper: this.#state.helper }; // reported -> armed
        return;
      case 'idle':
      case 'armed':
      case 'closed':
        return; // ignored
      default:
        unreachable(this.#state);
    }
  }

  /** Stops the helper (EOF on its stdin, SIGKILL after `graceMs`); resolves when it is gone. */
  async close(graceMs = 2_000): Promise<void> {
    const state = this.#state;
    this.#state = { kind: 'closed' }; // any -> closed
    if (state.kind !== 'armed' && state.kind !== 'reported') return;
    const { helper } = state;
    // EOF on its stdin asks it to leave; SIGKILL (its group) after graceMs
    await stopGroup(groupOf(helper, `accept-watcher[${helper.pid ?? '-'}]`, () => helper.stdin?.end()), { stopSignal: 'SIGTERM', quitTimeoutMs: graceMs, termTimeoutMs: 0 }, 'stop');
  }

  #onReadyBytes(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.#state.kind !== 'armed') return; // a byte after close() or a duplicate: ignored
      this.#state = { kind: 'reported', helper: this.#state.helper }; // armed -> reported
      this.#opts.onReady();
    }
  }

  #onHelperGone(why: string): void {
    if (this.#state.kind === 'closed' || this.#state.kind === 'idle') return;
    this.#state = { kind: 'closed' }; // armed/reported -> closed (unexpected)
    this.#opts.onExit?.(why);
  }
}
