// Every default an administrator can change, in one place: SUPERVISOR keys, entry keys, the
// flags of the commands and the keys of a pair file. README "Config reference" and each command's
// --help show them from here. Constants nobody can set (poll intervals, internal bounds) stay next
// to the mechanism they tune, named there.

/** The default of every SUPERVISOR key and entry key, with its unit in the name. README "Config reference" lists them. */
export const DEFAULTS = {
  /** Stop signal -> SIGTERM, per child (SUPERVISOR.quit_timeout). */
  quitTimeoutMs: 10_000,
  /** SIGTERM -> SIGKILL, per child (SUPERVISOR.term_timeout). */
  termTimeoutMs: 5_000,
  /** Budget of one SHUTDOWN command (SUPERVISOR.shutdown_timeout, entry `timeout`). */
  shutdownTimeoutMs: 120_000,
  /** Budget of one START command (SUPERVISOR.start_timeout, entry `timeout`). */
  startTimeoutMs: 600_000,
  /** How often a shutdown step repeats what it is waiting for (SUPERVISOR.progress_interval). */
  progressIntervalMs: 5_000,
  /** First DAEMON restart delay; doubles on each quick failure (SUPERVISOR.restart_delay). */
  restartDelayMs: 1_000,
  /** Ceiling of the DAEMON restart delay (SUPERVISOR.restart_max_delay). */
  restartMaxDelayMs: 60_000,
  /** A DAEMON that ran at least this long counts as healthy: its backoff resets (SUPERVISOR.restart_reset_after). */
  restartResetAfterMs: 60_000,
  /** Consecutive quick failures after which a DAEMON is given up; 0 = never (SUPERVISOR.restart_give_up). */
  restartGiveUpCount: 10,
  /** Where relative commands are looked up first (SUPERVISOR.bin_dir). */
  binDir: '/usr/lib/cyrus/bin',
  /** Directory of the default pidfile `<dir>/<config basename>.pid` (SUPERVISOR.pidfile). */
  pidDir: '/run/quiesce',
  /** Signal a child gets first when it is stopped (entry `stop_signal`). */
  stopSignal: 'SIGQUIT' as NodeJS.Signals,
  /** Listen backlog of every socket quiesce binds (SUPERVISOR.listen_backlog). */
  listenBacklog: 1024,
  /** SERVICES `prefork`: idle workers kept ready (Cyrus default). */
  prefork: 0,
  /** SERVICES `maxchild`: cap on live workers, -1 = unlimited (Cyrus default). */
  maxchild: -1,
  /** SERVICES `maxforkrate`: forks per second, 0 = unlimited (Cyrus default). */
  maxforkrate: 0,
  /** SERVICES `maxfds`: RLIMIT_NOFILE for workers, 0 = inherit (Cyrus default). */
  maxfds: 0,
  /** SERVICES `proto` (Cyrus default). */
  proto: 'tcp' as const,
  /** SERVICES `babysit`: keep one worker alive whatever happens (Cyrus default: off). */
  babysit: false,
  /** DAEMON `wait`: start the next one only after this one wrote `ok\r\n` on fd 3 (Cyrus default: off). */
  wait: false,
  /** Any entry's `shell`: run `cmd` through /bin/sh -c. */
  shell: false,
  /** Ready-fails (a worker dying before taking a connection) that disable a service (SUPERVISOR.ready_fail_limit). */
  readyFailLimit: 5,
  /** ...when each comes within this interval of the previous one (SUPERVISOR.ready_fail_interval). */
  readyFailIntervalMs: 10_000,
  /** DAEMON `wait: true`: how long to wait for `ok\r\n` on fd 3 (entry `wait_timeout`). */
  waitTimeoutMs: 10_000,
  /** Prometheus /metrics port on 127.0.0.1; 0 = off (SUPERVISOR.metrics_port). */
  metricsPort: 0,
  /** The signal that means "graceful stop" (SUPERVISOR.graceful_signal); SIGTERM in containers. */
  gracefulSignal: 'SIGQUIT' as 'SIGQUIT' | 'SIGTERM',
  /** Children get SIGTERM if quiesce itself dies (setpriv --pdeathsig) (SUPERVISOR.pdeathsig). */
  pdeathsig: true,
  /** Shutdown: how long the rolling sync_client may take to empty the sync logs (SUPERVISOR.sync_drain_timeout). */
  syncDrainTimeoutMs: 60_000,
  /** Running: how often the sync log backlog is checked (SUPERVISOR.sync_backlog_interval). */
  syncBacklogIntervalMs: 10_000,
  /** Backlog warning: bytes pending in a channel (about "a couple of minutes behind") (SUPERVISOR.sync_backlog_warn_bytes). */
  syncBacklogWarnBytes: 10_240,
  /** ...or age of its oldest pending entry (SUPERVISOR.sync_backlog_warn_age). */
  syncBacklogWarnAgeMs: 120_000,
  /** Backlog critical (page someone): bytes (about "twenty minutes behind") (SUPERVISOR.sync_backlog_critical_bytes). */
  syncBacklogCriticalBytes: 102_400,
  /** ...or age (SUPERVISOR.sync_backlog_critical_age). */
  syncBacklogCriticalAgeMs: 1_200_000,
} as const;

/** Backlog levels of a sync log channel (SUPERVISOR.sync_backlog_*): warn at 10 KB or 2 minutes, critical at 100 KB or 20 minutes. */
export const BACKLOG_THRESHOLDS = {
  warnBytes: DEFAULTS.syncBacklogWarnBytes,
  warnAgeMs: DEFAULTS.syncBacklogWarnAgeMs,
  criticalBytes: DEFAULTS.syncBacklogCriticalBytes,
  criticalAgeMs: DEFAULTS.syncBacklogCriticalAgeMs,
} as const;

/** The file read when neither -c nor -M is given: master's default cyrus.conf. */
export const DEFAULT_CYRUS_CONF = '/etc/cyrus.conf';

/** `quiesce start`. */
export const START_DEFAULTS = {
  /** --wait: how long `start` waits for the instance's running phase. */
  waitMs: 120_000,
} as const;

/** Every default of a flush, with its unit in the name. */
export const FLUSH_DEFAULTS = {
  /** Budget of one sync_client run (one file); its process group is killed after it. */
  runTimeoutMs: 60_000,
  /** SIGTERM -> SIGKILL of a run's process group. */
  killGraceMs: 2_000,
  /** Attempts per channel: each runs sync_client until the channel is empty or a run fails. */
  attempts: 3,
  /** Wait between two attempts of a channel. */
  retryDelayMs: 5_000,
  /**
   * Runs per attempt on log and log-run. With the writers stopped a channel needs at most 2
   * (log-run, then log); a channel still not empty after this many successful runs has a writer
   * still appending. Each other log* file gets one run more.
   */
  maxRunsPerAttempt: 4,
  /** Stop a run at its first "Can not connect to server" instead of waiting in the backoff. */
  stopOnConnectFailure: true,
} as const;

/**
 * While a rolling sync_client says it cannot reach its replica: how often quiesce looks at the
 * replica's address, and how long one look waits for the connection to be accepted.
 */
export const REPLICA_PROBE = {
  intervalMs: 1_000,
  timeoutMs: 1_000,
} as const;

/** Defaults of `quiesce compare`. */
export const COMPARE_DEFAULTS = {
  /** Users compared at once (two IMAP connections each). */
  concurrency: 4,
  /** Bound of every connect and every IMAP command, per side. */
  timeoutMs: 30_000,
  /** imap, and imaps for an `imaps://` address. */
  port: 143,
  tlsPort: 993,
  /** The admin who logs in on each side (an `admins` user) unless --user says otherwise. */
  admin: 'cyrus',
  /** Where the password comes from without --password-file. */
  passwordEnv: 'QUIESCE_COMPARE_PASSWORD',
} as const;

/** Defaults of the pair file. */
export const PAIR_DEFAULTS = {
  /** How quiesce is run on each side. */
  quiesce: ['quiesce'] as readonly string[],
  /** Budget of each step (a stop includes the whole shutdown, flush included). */
  stepTimeoutMs: 600_000,
} as const;
