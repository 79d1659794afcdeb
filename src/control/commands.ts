// `quiesce status|stop|reload|escalate`: talk to a running instance; each returns the exit code.
import { unreachable } from '../errors.js';
import type { Action } from '../supervisor/phase.js';
import { sendControlRequest, type ControlFailure } from './client.js';
import { CONTROL_EXIT, EXIT } from '../exit-codes.js';
import { progressLine } from './progress-text.js';
import type { ControlReply, ControlRequest } from './protocol.js';
import { renderStatus } from './status-table.js';

/** Where a command writes; cli.ts passes print.out / print.err. */
export interface CommandOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Exit code of a failure to talk to the instance. */
export function exitCodeOfControlFailure(f: ControlFailure): number {
  switch (f.reason) {
    case 'not-running':
      return CONTROL_EXIT.notRunning;
    case 'permission':
      return CONTROL_EXIT.noPermission;
    case 'protocol':
      return CONTROL_EXIT.protocol;
    case 'io':
      return CONTROL_EXIT.lost;
    default:
      return unreachable(f);
  }
}

/** What an accepted request will do, in words. */
function describeAction(request: string, phase: string, action: Action): string {
  switch (action) {
    case 'begin-shutdown':
      return 'stopping';
    case 'interrupt-start':
      return `interrupting START (phase ${phase})`;
    case 'escalate':
      return request === 'stop' ? `already stopping (phase ${phase}): this escalates the stop, like a second signal` : `escalating (phase ${phase})`;
    case 'skip-sync-drain':
      return `phase ${phase}: no longer waiting for sync_client to empty the sync logs`;
    case 'abort-commands':
      return `phase ${phase}: killing the running SHUTDOWN command and skipping the rest`;
    case 'reload':
      return 'reloading the config (the instance logs what changed)';
    case 'reopen-logs':
      return 'reopening log files';
    case 'ignore':
    case 'note-stray':
      return `ignored in phase ${phase}`;
    default:
      return unreachable(action);
  }
}

/** Sends a request and hands each reply to `onReply`; maps failures and `error` replies to exit codes. */
async function exchange(socketPath: string, request: ControlRequest, io: CommandOutput, onReply: (r: ControlReply) => number | undefined): Promise<number> {
  let code: number | undefined;
  const sent = await sendControlRequest(socketPath, request, (r) => {
    if (r.type === 'error') {
      io.err(`quiesce refused the request: ${r.message}`);
      code ??= CONTROL_EXIT.protocol;
      return;
    }
    const c = onReply(r);
    if (c !== undefined) code ??= c;
  });
  if (!sent.ok) {
    io.err(sent.error.message);
    return exitCodeOfControlFailure(sent.error);
  }
  return code ?? CONTROL_EXIT.lost;
}

/** `quiesce status [--json]`: the running instance's status as a table, or the snapshot as JSON. */
export function statusCommand(socketPath: string, opts: { readonly json: boolean }, io: CommandOutput): Promise<number> {
  return exchange(socketPath, { request: 'status' }, io, (r) => {
    if (r.type !== 'status') return undefined;
    io.out(opts.json ? JSON.stringify(r.status, null, 2) : renderStatus(r.status));
    return CONTROL_EXIT.ok;
  }).then((code) => {
    if (code === CONTROL_EXIT.lost) io.err(`control socket ${socketPath}: closed without a status reply`);
    return code;
  });
}

/** `quiesce stop [--fast]`: asks for a stop, prints its progress, exits with the instance's own exit code. */
export async function stopCommand(socketPath: string, opts: { readonly fast: boolean }, io: CommandOutput): Promise<number> {
  const code = await exchange(socketPath, { request: 'stop', mode: opts.fast ? 'fast' : 'graceful' }, io, (r) => {
    switch (r.type) {
      case 'accepted':
        io.out(`quiesce: ${describeAction(r.request, r.phase, r.action)}`);
        return r.action === 'ignore' ? CONTROL_EXIT.ignored : undefined;
      case 'event': {
        const line = progressLine(r.event);
        if (line !== undefined) io.out(line);
        return undefined;
      }
      case 'done':
        io.out(`exit code ${r.exitCode}: ${r.verdict}`);
        return r.exitCode;
      case 'status':
      case 'error':
        return undefined;
      default:
        return unreachable(r);
    }
  });
  if (code === CONTROL_EXIT.lost) io.err(`control socket ${socketPath}: the connection closed before quiesce reported its exit code; check its log`);
  return code;
}

/** `quiesce reload` / `quiesce escalate`: one event, the same one SIGHUP / a second SIGQUIT would give. */
export async function signalCommand(socketPath: string, request: 'reload' | 'escalate', io: CommandOutput): Promise<number> {
  return exchange(socketPath, { request }, io, (r) => {
    if (r.type !== 'accepted') return undefined;
    const what = describeAction(r.request, r.phase, r.action);
    if (r.action === 'ignore') {
      io.err(`quiesce: ${request} ${what}`);
      return CONTROL_EXIT.ignored;
    }
    io.out(`quiesce: ${what}`);
    return CONTROL_EXIT.ok;
  });
}

/** Names of a reload's changes, or `none`. */
const names = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));

/**
 * `quiesce reload`: like SIGHUP, but waits for the outcome: exit 0 with what changed, or 78 with
 * the new file's problems (the instance keeps running on its old config).
 */
export function reloadCommand(socketPath: string, io: CommandOutput): Promise<number> {
  return exchange(socketPath, { request: 'reload' }, io, (r) => {
    switch (r.type) {
      case 'accepted':
        if (r.action !== 'reload') {
          io.err(`quiesce: reload ${describeAction(r.request, r.phase, r.action)}`);
          return CONTROL_EXIT.ignored;
        }
        return undefined;
      case 'event': {
        const e = r.event;
        if (e.event === 'config.reloaded') {
          io.out(`quiesce: reloaded ${e.file} (generation ${e.generation}): added ${names(e.added)}; removed ${names(e.removed)}; changed ${names(e.changed)}`);
          for (const i of e.ignored) io.out(`  not applied until a restart: ${i}`);
          for (const a of e.applying) io.out(`  still being applied: ${a} (its old process is stopping; \`quiesce status\` shows when it is done)`);
          return CONTROL_EXIT.ok;
        }
        if (e.event === 'config.reload-rejected') {
          io.err(`quiesce: reload rejected, still running generation ${e.generation} of ${e.file} (the previous config):`);
          for (const d of e.diagnostics) io.err(d);
          return EXIT.configInvalid;
        }
        return undefined;
      }
      case 'done':
        io.err('quiesce: the instance stopped before the reload was applied');
        return CONTROL_EXIT.ignored;
      case 'status':
      case 'error':
        return undefined;
      default:
        return unreachable(r);
    }
  });
}

/** `quiesce escalate`. */
export const escalateCommand = (socketPath: string, io: CommandOutput): Promise<number> => signalCommand(socketPath, 'escalate', io);
