// The sync_client command line that replays one channel's pending sync log file, for quiesce to run
// and for an operator to copy.
import { DEFAULTS } from '../defaults.js';
import { commandLine } from '../text.js';

/** Where sync_client is, unless a caller says otherwise. */
export const SYNC_CLIENT_PATH = `${DEFAULTS.binDir}/sync_client`;

/** What the command needs to know about a channel. */
export interface ReplayTarget {
  /** The imapd.conf sync_client must read (`-C`). */
  readonly confFile: string;
  /** `''` for the default channel (no `-n`). */
  readonly channel: string;
}

/**
 * argv of one replay run: `sync_client -C CONF [-n CHANNEL] -R -1`. `-R` is rolling mode without
 * forking; `-1` makes it handle ONE file (`log-run` if present, else `log` renamed to `log-run`),
 * unlink it after the batch was applied, and exit. Run it once per pending file.
 */
export function replayArgv(t: ReplayTarget, syncClient: string = SYNC_CLIENT_PATH): string[] {
  return [...syncClientOf(t, syncClient), '-R', '-1'];
}

/** `sync_client -C CONF [-n CHANNEL]`: what every command line here starts with. */
function syncClientOf(t: ReplayTarget, syncClient: string): string[] {
  return [syncClient, '-C', t.confFile, ...(t.channel === '' ? [] : ['-n', t.channel])];
}

/** The same as a shell command line, quoted for `sh`. */
export function replayCommand(t: ReplayTarget, syncClient: string = SYNC_CLIENT_PATH): string {
  return commandLine(replayArgv(t, syncClient));
}

/**
 * argv that replays one other `log*` file (an old sync_client's `log-<pid>`, a saved log):
 * `sync_client -C CONF [-n CHANNEL] -R -f FILE`. sync_client reads FILE and never unlinks it
 * (imap/sync_log.c: a file it was given is not its own); its exit code is the batch's result.
 */
export function replayFileArgv(t: ReplayTarget, file: string, syncClient: string = SYNC_CLIENT_PATH): string[] {
  return [...syncClientOf(t, syncClient), '-R', '-f', file];
}

/** The same for a person: replay, then remove the file once sync_client succeeded. */
export function replayFileCommand(t: ReplayTarget, file: string, syncClient: string = SYNC_CLIENT_PATH): string {
  return `${commandLine(replayFileArgv(t, file, syncClient))} && rm -- ${commandLine([file])}`;
}

/** argv that replicates one user in full: `sync_client -C CONF [-n CHANNEL] -u USER`. */
export function userSyncArgv(t: ReplayTarget, user: string, syncClient: string = SYNC_CLIENT_PATH): string[] {
  return [...syncClientOf(t, syncClient), '-u', user];
}

/** argv that replicates one mailbox (a shared one; a user's mailbox is replicated with its user): `sync_client -C CONF [-n CHANNEL] -m MAILBOX`. */
export function mailboxSyncArgv(t: ReplayTarget, mailbox: string, syncClient: string = SYNC_CLIENT_PATH): string[] {
  return [...syncClientOf(t, syncClient), '-m', mailbox];
}

/** What replicates a user sync_client skips: remove its `skipuser-` file, then sync the user. */
export function skippedUserCommand(t: ReplayTarget, user: string, skipFile: string, syncClient: string = SYNC_CLIENT_PATH): string {
  return `rm -- ${commandLine([skipFile])} && ${commandLine(userSyncArgv(t, user, syncClient))}`;
}
