// Exit codes of the commands that talk to a running instance (status, stop, reload, escalate).
//
// `quiesce stop` otherwise exits with the instance's own exit code (EXIT in errors.ts: 0, 3, 4,
// ...), so these must not collide with those. They are sysexits(3) values.

/** Documented exit codes of the control commands (README "Exit codes"). */
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
