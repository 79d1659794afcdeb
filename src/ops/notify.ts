// systemd notifications (READY=1, STOPPING=1, STATUS=, EXTEND_TIMEOUT_USEC=) through the systemd-notify CLI.
//
// Node has no unix datagram sockets and the npm sd_notify packages are native addons, so each
// message is one `systemd-notify VAR=VALUE...` run. Without --no-block, systemd-notify sends a
// BARRIER=1 datagram after the message and waits until the manager has read it: when the promise
// resolves, systemd has seen the message. That matters twice: messages are strictly ordered (each
// run starts after the previous one ended), and as a non-root user the sender must still be alive
// when the manager looks up its pid. Measured here (systemd 252, a perl listener): 5.5-7.6 ms
// blocking against 5.0-6.8 ms with --no-block, so the barrier costs nothing worth saving.
// As root, systemd-notify attributes the message to its parent (quiesce), so NotifyAccess=main suffices.
import { execFile } from 'node:child_process';
import type { LogEvent, LogEventName } from '../log.js';

/** Defaults of the notifier. */
export const NOTIFY_DEFAULTS = {
  /** The CLI, looked up in PATH. */
  command: 'systemd-notify',
  /** A systemd-notify run taking longer is killed (a manager that never reads would block it). */
  commandTimeoutMs: 5_000,
} as const;

/** Sends notifications in order; a no-op when quiesce does not run under a notify-type unit. */
export interface Notifier {
  /** False when NOTIFY_SOCKET is unset, or systemd-notify turned out to be missing. */
  readonly enabled: boolean;
  /** Queues one message of `VAR=VALUE` lines; resolves when it was delivered or given up. */
  send(assignments: readonly string[]): Promise<void>;
}

/** What createNotifier needs. */
export interface NotifierOptions {
  readonly env: NodeJS.ProcessEnv;
  /** A problem worth one log line: systemd-notify missing, failing or slow. */
  readonly onProblem: (message: string) => void;
  readonly command?: string;
  readonly commandTimeoutMs?: number;
}

/** STATUS= is one line; systemd shows it in `systemctl status`. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').slice(0, 400);

type Mapper<K extends LogEventName> = (e: Extract<LogEvent, { event: K }>) => string[];

/** The events systemd hears about; every other event sends nothing. */
const NOTIFY_ON: { readonly [K in LogEventName]?: Mapper<K> } = {
  'supervisor.running': () => ['READY=1', 'STATUS=running'],
  'shutdown.begin': (e) => ['STOPPING=1', oneLine(`STATUS=stopping (${e.mode}, ${e.trigger})`)],
  'shutdown.step': (e) => [oneLine(`STATUS=stopping: ${e.step}: ${e.detail}`)],
  'shutdown.escalate': (e) => [oneLine(`STATUS=stopping: escalated to ${e.escalation}`)],
  // Past TimeoutStopSec=, systemd keeps waiting as long as each extension is renewed in time: a
  // command's worst case is its timeout, then its own quit_timeout and term_timeout.
  'shutdown.command-begin': (e) => [oneLine(`STATUS=stopping: SHUTDOWN ${e.entry}`), `EXTEND_TIMEOUT_USEC=${e.budgetMs * 1000}`],
  'shutdown.done': (e) => [oneLine(`STATUS=stopped, exit code ${e.exitCode}: ${e.verdict}`)],
  'config.reloaded': () => ['STATUS=running (config reloaded)'],
};

/** The notification a log event calls for, if any (pure). */
export function notificationFor(e: LogEvent): string[] | undefined {
  const map = NOTIFY_ON[e.event] as Mapper<LogEventName> | undefined;
  return map?.(e);
}

/** A Notifier for this process's environment. */
export function createNotifier(opts: NotifierOptions): Notifier {
  const socket = opts.env.NOTIFY_SOCKET;
  if (socket === undefined || socket === '') return { enabled: false, send: () => Promise.resolve() };
  const command = opts.command ?? NOTIFY_DEFAULTS.command;
  const timeout = opts.commandTimeoutMs ?? NOTIFY_DEFAULTS.commandTimeoutMs;
  let missing = false;
  let queue: Promise<void> = Promise.resolve();

  const run = (assignments: readonly string[]): Promise<void> =>
    new Promise((resolve) => {
      if (missing) return resolve();
      execFile(command, [...assignments], { env: opts.env, timeout, killSignal: 'SIGKILL' }, (error) => {
        if (error !== null) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            missing = true;
            opts.onProblem(`NOTIFY_SOCKET is set but ${command} was not found; systemd will get no READY=1/STOPPING=1 from quiesce`);
          } else if (error.killed) {
            opts.onProblem(`${command} ${assignments.join(' ')}: no answer from the service manager within ${timeout} ms`);
          } else {
            opts.onProblem(`${command} ${assignments.join(' ')} failed: ${oneLine(error.message)}`);
          }
        }
        resolve();
      });
    });

  return {
    get enabled() {
      return !missing;
    },
    send(assignments) {
      queue = queue.then(() => run(assignments));
      return queue;
    },
  };
}
