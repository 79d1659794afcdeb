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
  return [syncClient, '-C', t.confFile, ...(t.channel === '' ? [] : ['-n', t.channel]), '-R', '-1'];
}

/** The same as a shell command line, quoted for `sh`. */
export function replayCommand(t: ReplayTarget, syncClient: string = SYNC_CLIENT_PATH): string {
  return commandLine(replayArgv(t, syncClient));
}
