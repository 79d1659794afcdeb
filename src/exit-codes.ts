// Every exit code quiesce documents (README "Exit codes"), and the one function that turns a
// shutdown's facts into the code and verdict of `quiesce run` (and so of `quiesce stop`).
//
// Values above 63 are sysexits(3). The control commands' own codes must not collide with the
// instance's, since `quiesce stop` passes the instance's code through.

/** `quiesce run` (and `quiesce stop`, which reports the instance's code), `check`, `convert`, `flush`. */
export const EXIT = {
  /** Every child left on its stop signal and every SHUTDOWN command exited 0: safe to fail over. */
  clean: 0,
  /** A START command failed (or startup was interrupted). */
  startFailed: 1,
  /** Clean shutdown commands, but some child needed SIGTERM or SIGKILL. */
  escalated: 3,
  /** A SHUTDOWN command failed, timed out or was skipped, or the sync logs were not replicated: NOT safe to fail over. */
  shutdownFailed: 4,
  /** Command-line usage error (EX_USAGE). */
  usage: 64,
  /** Internal error, a bug (EX_SOFTWARE). */
  internal: 70,
  /** Could not start: pidfile locked, unwritable, a socket that would not bind, ... (EX_TEMPFAIL). */
  cannotStart: 75,
  /** Invalid config (EX_CONFIG). */
  configInvalid: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** `quiesce compare`. */
export const COMPARE_EXIT = {
  /** Both sides hold the same for every user compared. */
  identical: 0,
  /** Something differs (each difference printed, with what replicates it). */
  differ: 4,
  /** Command-line usage error (EX_USAGE). */
  usage: 64,
  /** A side cannot be reached, refuses the admin's login or answers what compare cannot read; --pair: not exactly one side runs as master (EX_UNAVAILABLE). */
  unavailable: 69,
  /** A side did not answer within --timeout (EX_TEMPFAIL). */
  timeout: 75,
  /** --pair: the pair file is invalid or names no IMAP address of a side (EX_CONFIG). */
  configInvalid: 78,
} as const;

/** `quiesce set-option` (what `quiesce swap` runs on each side to flip replicaonly). */
export const SET_OPTION_EXIT = {
  /** Set, or already so. */
  set: 0,
  /** The installed Cyrus does not know the option (cyr_info conf-all does not list it): the file is unchanged. */
  unknown: 5,
  /** Not an option name, or a value of more than one line (EX_USAGE). */
  usage: 64,
  /** The file cannot be read (EX_NOINPUT). */
  noInput: 66,
  /** The file cannot be written (EX_CANTCREAT). */
  cannotCreate: 73,
} as const;

/** The commands that talk to a running instance (status, stop, reload, escalate). */
export const CONTROL_EXIT = {
  /** Done; for `stop`, the instance's own code replaces this. */
  ok: 0,
  /** Nothing listens on the control socket: no instance is running (EX_UNAVAILABLE). */
  notRunning: 69,
  /** The connection broke, e.g. the instance died before reporting its exit code (EX_IOERR). */
  lost: 74,
  /** The request arrived but the instance's phase ignores it, e.g. reload while stopping (EX_TEMPFAIL). */
  ignored: 75,
  /** The instance answered something this client does not understand (EX_PROTOCOL). */
  protocol: 76,
  /** Not allowed to connect to the socket (EX_NOPERM). */
  noPermission: 77,
} as const;

/** `quiesce swap`. */
export const SWAP_EXIT = {
  /** Swapped and verified. */
  swapped: 0,
  /** A step failed; the message says where each side is. */
  stepFailed: 1,
  /** The master could not verify that nothing is left to replicate, and --force was not given. */
  refused: 4,
  /** The roles could not be found (not exactly one master running). */
  rolesUnknown: 69,
} as const;

/** `quiesce plan`. */
export const PLAN_EXIT = {
  /** The worst case fits every limit given. */
  fits: 0,
  /** The worst case exceeds at least one limit. */
  overrun: 1,
  /** --stop-budget is not a time span (EX_USAGE). */
  usage: 64,
  /** The unit file cannot be read or parsed (EX_NOINPUT). */
  noInput: 66,
} as const;

/** Failing over is safe after a stop with this code: every SHUTDOWN command succeeded and everything was replicated. */
export const isSafeToFailOver = (exitCode: number): boolean => exitCode === EXIT.clean || exitCode === EXIT.escalated;

/** What a shutdown found, as far as its exit code goes. */
export interface ShutdownFacts {
  /** SHUTDOWN commands that failed, timed out or were skipped, with how. */
  readonly failedCommands: readonly { readonly entry: string; readonly outcome: string }[];
  /** Sync log channels left with something to replicate, each described with its replay command. */
  readonly notReplicated: readonly string[];
  /** Children that needed a step beyond their first signal, with the steps sent. */
  readonly escalated: readonly { readonly label: string; readonly steps: readonly string[] }[];
}

/** `imapd[12] (stop -> term)`: a child that needed escalation and the steps it got. */
export const describeEscalated = (s: { readonly label: string; readonly steps: readonly string[] }): string => `${s.label} (${s.steps.join(' -> ')})`;

/** The exit code of a shutdown and the verdict that explains it (pure). */
export function judgeShutdown(f: ShutdownFacts): { readonly exitCode: ExitCode; readonly verdict: string } {
  if (f.failedCommands.length > 0 || f.notReplicated.length > 0) {
    const reasons = [...f.failedCommands.map((c) => `SHUTDOWN ${c.entry} ${c.outcome}`), ...f.notReplicated.map((b) => `not replicated: ${b}`)];
    return { exitCode: EXIT.shutdownFailed, verdict: `NOT safe to fail over: ${reasons.join('; ')}` };
  }
  if (f.escalated.length > 0) {
    const who = f.escalated.map(describeEscalated).join(', ');
    return { exitCode: EXIT.escalated, verdict: `SHUTDOWN commands succeeded, but ${f.escalated.length} child(ren) needed escalation: ${who}` };
  }
  return { exitCode: EXIT.clean, verdict: 'clean: every child left on its stop signal and every SHUTDOWN command exited 0; safe to fail over' };
}
