// The bounds of every config value that reaches a system call or a timer: one table, named in the
// README ("Limits"). A value outside them is a diagnostic, never a crash or a silent clamp later.

/** Every limit the loader enforces, with its unit in the name. */
export const LIMITS = {
  /** A config file larger than this is refused before it is parsed. */
  configFileBytes: 10 * 1024 * 1024,
  /** Entry names: letters, digits, `-`, `_`, `.`, starting with a letter or digit (Cyrus allows letters and digits). */
  entryNameChars: 64,
  /** Longest duration anywhere (a timeout, a period, a backoff): 30 days. */
  durationMs: 30 * 24 * 3_600_000,
  /** TCP/UDP ports: 1-65535 for `listen`, 0-65535 for `metrics_port` (0 = off). */
  port: 65_535,
  /** SUPERVISOR.listen_backlog (the kernel also caps it at net.core.somaxconn). */
  listenBacklog: 65_535,
  /** SERVICES `prefork`: idle workers kept ready (each is a process). */
  prefork: 10_000,
  /** SERVICES `maxchild` (-1 = unlimited). */
  maxchild: 100_000,
  /** SERVICES `maxforkrate`, forks per second (0 = unlimited). */
  maxforkrate: 100_000,
  /** SERVICES `maxfds`: Linux's default fs.nr_open, the highest RLIMIT_NOFILE an unprivileged setrlimit reaches. */
  maxfds: 1_048_576,
  /** SUPERVISOR.restart_give_up and ready_fail_limit. */
  failureCount: 1_000_000,
  /** Byte thresholds (sync_backlog_*_bytes): the largest integer a double holds exactly. */
  bytes: Number.MAX_SAFE_INTEGER,
  /** A Unix socket path, in bytes: sockaddr_un.sun_path is 108 bytes on Linux, one of them the terminating NUL. */
  unixPathBytes: 107,
  /** How much of a bad value a diagnostic quotes. */
  excerptChars: 60,
} as const;
