// PID 1 in a container: a tiny perl init under quiesce reaps the orphans Node cannot.
//
// Orphans are reparented to PID 1 (or the nearest child subreaper), which must wait() for them or
// they stay zombies. Node only waits for pids it spawned, and Node 20 cannot exec(), so quiesce as
// PID 1 cannot hand PID 1 over either. Instead it starts this shape:
//
//   node quiesce (PID 1, forwards signals, exits with the code below)
//     └─ perl quiesce-init (PR_SET_CHILD_SUBREAPER: every orphan below comes here; reaps all)
//          └─ node quiesce (QUIESCE_INIT_SHIM=1: the real supervisor)
//               └─ imapd, ...
//
// The perl init forwards SIGQUIT/SIGTERM/SIGINT/SIGHUP/SIGUSR1 to quiesce (and ignores the signals
// quiesce ignores, signals.ts STRAY_SIGNALS, so none of them ends the init), reaps every child
// with a blocking waitpid(-1) loop (equivalent to waitpid(-1, WNOHANG) on each SIGCHLD, with no
// lost-wakeup window), and exits with quiesce's exit code (128+N if it was killed by signal N).
// Perl is Essential on Debian. `docker run --init` / tini does the same job without any of this.
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import { PRCTL_SYSCALL } from '../syscall-numbers.js';

/** Set in the real supervisor's environment, so it does not start another shim. */
export const INIT_SHIM_ENV = 'QUIESCE_INIT_SHIM';

/** Signals the shim passes on to quiesce. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGQUIT', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1'];

/** argv: the quiesce command. prctl(PR_SET_CHILD_SUBREAPER=36) through syscall(2), with this architecture's number. */
const INIT_SCRIPT = `
use strict; use warnings; use POSIX ();
$0 = "quiesce-init";
my $nr = ${PRCTL_SYSCALL[process.arch] ?? 'undef'};
if ($$ != 1 && !(defined $nr && syscall($nr, 36, 1, 0, 0, 0) == 0)) {
  print STDERR "quiesce-init: cannot become a child subreaper on ${process.arch}; orphans go to PID 1\\n";
}
my $child = 0;
for my $sig (qw(QUIT TERM INT HUP USR1)) { $SIG{$sig} = sub { kill $sig, $child if $child > 0 }; }
$SIG{$_} = 'IGNORE' for qw(USR2 ALRM VTALRM PROF IO PWR STKFLT TRAP ABRT SYS XCPU);
$child = fork() // die "quiesce-init: fork: $!\\n";
if ($child == 0) {
  $ENV{${JSON.stringify(INIT_SHIM_ENV)}} = "1";
  exec { $ARGV[0] } @ARGV or do { print STDERR "quiesce-init: exec $ARGV[0]: $!\\n"; POSIX::_exit(127); };
}
my $status;
while (1) {
  my $pid = waitpid(-1, 0);
  if ($pid == $child) { $status = $?; last; }
  last if $pid == -1 && !$!{EINTR};
}
1 while waitpid(-1, 1) > 0;  # 1 = WNOHANG: reap what already exited, do not wait for the rest
exit(!defined $status ? 70 : ($status & 127) ? 128 + ($status & 127) : $status >> 8);
`;

/** True when this process is PID 1 and not already under the shim. */
export function needsInitShim(pid: number, env: NodeJS.ProcessEnv): boolean {
  return pid === 1 && env[INIT_SHIM_ENV] !== '1';
}

/** The perl command line that runs `command` under the init. */
export function initShimArgv(command: readonly string[], perl = 'perl'): string[] {
  return [perl, "-e", INIT_SCRIPT, ...command];
}

/**
 * Runs `command` (quiesce's own argv) under the perl init, forwarding signals that `signals`
 * (process, or an EventEmitter in tests) emits; resolves with the code this process should exit with.
 */
export function runUnderInitShim(command: readonly string[], deps: { readonly signals: EventEmitter; readonly env: NodeJS.ProcessEnv; readonly perl?: string }): Promise<number> {
  const [perl, ...args] = initShimArgv(command, deps.perl);
  const init = spawn(perl ?? 'perl', args, { stdio: 'inherit', env: deps.env });
  const forward = (signal: NodeJS.Signals): void => void init.kill(signal);
  for (const s of FORWARDED_SIGNALS) deps.signals.on(s, forward);
  return new Promise((resolve) => {
    const done = (code: number): void => {
      for (const s of FORWARDED_SIGNALS) deps.signals.off(s, forward);
      resolve(code);
    };
    init.once('error', () => done(127));
    init.once('exit', (code, signal) => done(code ?? 128 + (signal === null ? 0 : constants.signals[signal])));
  });
}
