// `quiesce start -c FILE`: runs `quiesce run` in the background and returns once it is running.
// For init scripts and `quiesce swap`; the foreground `quiesce run` stays the way to run under systemd.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import type { Config } from '../config/types.js';
import { EXIT } from '../exit-codes.js';
import type { StatusSnapshot } from '../supervisor/status.js';
import { sendControlRequest } from './client.js';
import type { CommandOutput } from './commands.js';
import { START_DEFAULTS } from '../defaults.js';

/** How often `quiesce start` asks whether the instance is running. */
const START_POLL_MS = 100;
/** Lines of the instance's log shown when it fails to start. */
const LOG_TAIL_LINES = 15;

/** The instance's status, or undefined when nothing answers on its socket. */
export async function statusOf(socket: string): Promise<StatusSnapshot | undefined> {
  let status: StatusSnapshot | undefined;
  const r = await sendControlRequest(socket, { request: 'status' }, (reply) => {
    if (reply.type === 'status') status = reply.status;
  });
  return r.ok ? status : undefined;
}

/** Where a background instance writes its log: SUPERVISOR.log_file, else next to the pidfile. */
export const backgroundLogOf = (config: Config): string =>
  config.supervisor.logFile ?? `${config.supervisor.pidfile.replace(/\.pid$/, '')}.log`;

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Starts `config` in the background (`cli` is this program, `configArgs` the options that named the config) and waits until its phase is running. */
export async function startCommand(config: Config, cli: readonly string[], configArgs: readonly string[], io: CommandOutput, clock: Clock, waitMs: number = START_DEFAULTS.waitMs): Promise<number> {
  const socket = config.supervisor.controlSocket;
  const already = await statusOf(socket);
  if (already !== undefined) {
    io.out(`quiesce is already running on ${config.file} (pid ${already.pid}, phase ${already.phase})`);
    return EXIT.clean;
  }
  const log = backgroundLogOf(config);
  const fd = openSync(log, 'a');
  const [file = process.execPath, ...args] = cli;
  const child = spawn(file, [...args, 'run', ...configArgs, '--log-format', 'json'], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | undefined;
  child.once('exit', (code, signal) => (exited = code ?? (signal === null ? EXIT.internal : 128)));
  child.unref();
  const deadline = clock.now() + waitMs;
  while (clock.now() < deadline) {
    if (exited !== undefined) {
      io.err(`quiesce on ${config.file} exited with code ${exited} while starting; the end of ${log}:\n${tail(log, LOG_TAIL_LINES)}`);
      return exited === EXIT.clean ? EXIT.internal : exited;
    }
    const status = await statusOf(socket);
    if (status?.phase === 'running') {
      io.out(`quiesce started on ${config.file} (pid ${status.pid}), logging to ${log}`);
      return EXIT.clean;
    }
    await clock.sleep(START_POLL_MS);
  }
  io.err(`quiesce on ${config.file} (pid ${child.pid ?? '?'}) is not running after ${waitMs} ms; it goes on in the background. The end of ${log}:\n${tail(log, LOG_TAIL_LINES)}`);
  return EXIT.cannotStart;
}
