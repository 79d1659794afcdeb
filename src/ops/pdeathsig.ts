// Children that die with quiesce: wrap a child's argv in `setpriv --pdeathsig SIG --`.
//
// When quiesce is SIGKILLed (OOM killer, a crash, `kill -9`), its children are reparented and
// keep running: they hold the listening ports, the Cyrus locks and the sync log, and the next
// quiesce cannot start cleanly. PR_SET_PDEATHSIG makes the kernel signal a process when its parent
// dies; Node cannot call prctl, setpriv (util-linux, Essential on Debian) can, just before exec.
// The setting survives execve (not of set-uid binaries) and setpriv applies it after any uid change.
//
// SIGTERM rather than SIGKILL: the parent is already gone, so a replication-safe stop is no longer
// possible, but Cyrus programs treat SIGTERM as "exit now, cleanly": they close their databases and
// mailboxes instead of leaving crash recovery to the next start. A child that ignores SIGTERM
// survives; findLeftovers() reports it at the next start. Pass SIGKILL where certainty matters more.
//
// Limits: only the direct child gets the signal (its own children are reparented as usual), and
// the kernel sends it when the *thread* that forked the child exits; libuv forks from the main thread.

/** Defaults of the parent-death signal. */
export const PDEATHSIG_DEFAULTS = {
  signal: 'SIGTERM' as NodeJS.Signals,
  command: 'setpriv',
} as const;

/** `argv` prefixed with `<setpriv> --pdeathsig <signal> --`; unchanged when setpriv is unavailable (undefined). */
export function withPdeathsig(argv: readonly string[], setpriv: string | undefined, signal: NodeJS.Signals = PDEATHSIG_DEFAULTS.signal): readonly string[] {
  if (setpriv === undefined || argv.length === 0) return argv;
  return [setpriv, '--pdeathsig', signal, '--', ...argv];
}

/** Who a child runs as: a user name and a group name (setpriv resolves both). */
export interface Identity {
  readonly user: string;
  readonly group: string;
  /** Their numbers, for the files quiesce makes on the Cyrus user's behalf (proc files, master.txt). */
  readonly uid: number;
  readonly gid: number;
  /**
   * The supplementary groups setpriv's --init-groups gives (initgroups(3) of the user with `gid`):
   * the user's groups as id(1) lists them, with `gid` in place of the user's primary group.
   */
  readonly groups: readonly number[];
}

/**
 * `argv` started through setpriv as `identity` (`--reuid --regid --init-groups`: the Cyrus user
 * with its groups, as master's children have after become_cyrus()) and with the parent-death
 * signal, which setpriv sets after the uid change, so the kernel does not clear it (it does when
 * a process changes its own uid, as a Cyrus program started as root does). Unchanged when neither
 * is asked for.
 */
export function withIdentity(argv: readonly string[], setpriv: string, identity: Identity | undefined, pdeathsig: NodeJS.Signals | undefined): readonly string[] {
  if (argv.length === 0 || (identity === undefined && pdeathsig === undefined)) return argv;
  const as = identity === undefined ? [] : ['--reuid', identity.user, '--regid', identity.group, '--init-groups'];
  const death = pdeathsig === undefined ? [] : ['--pdeathsig', pdeathsig];
  return [setpriv, ...as, ...death, '--', ...argv];
}
