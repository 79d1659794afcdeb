// Who each child runs as (README "Running Cyrus under quiesce"): START as quiesce itself (root, as
// under master, which runs START before it drops privileges), the other children as
// SUPERVISOR.user (by default imapd.conf's cyrus_user, else `cyrus`) with its group. Names are
// checked once at start against the system's user database (id(1), so NSS users count too).
import { execFileSync } from 'node:child_process';
import type { Config } from '../config/types.js';
import { err, ok, type Result } from '../errors.js';
import type { Identity } from './pdeathsig.js';

/** `id` output for one argument list, or undefined when the user does not exist. */
function id(args: readonly string[]): string | undefined {
  try {
    return execFileSync('id', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The gid of a group name, from the system's group database (getent, so NSS groups count too). */
function gidOf(group: string): number {
  try {
    return Number(execFileSync('getent', ['group', group], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':')[2]);
  } catch {
    return Number.NaN;
  }
}

const groupExists = (group: string): boolean => Number.isInteger(gidOf(group));

/** The name quiesce itself runs as. */
export const currentUser = (): string => id(['-un']) ?? String(process.getuid?.() ?? '');

/**
 * The identity of every user the config names, by user name, or why one cannot be used: a user
 * that does not exist, or a switch that needs root while quiesce is not root. A user quiesce
 * already is needs no switch and is left out.
 */
export function identitiesOf(config: Config, self: string = currentUser(), isRoot: boolean = process.getuid?.() === 0): Result<ReadonlyMap<string, Identity>, string> {
  const wanted = new Map<string, string | undefined>();
  for (const e of [...config.start, ...config.services, ...config.events, ...config.daemons, ...config.shutdown]) {
    if (e.user !== undefined && e.user !== self) wanted.set(e.user, e.group);
  }
  const found = new Map<string, Identity>();
  for (const [user, group] of wanted) {
    const primary = id(['-gn', user]);
    if (primary === undefined) return err(`user \`${user}\` does not exist on this system (set SUPERVISOR.user, or cyrus_user in imapd.conf)`);
    if (group !== undefined && !groupExists(group)) return err(`group \`${group}\` does not exist on this system (SUPERVISOR.group, or cyrus_group in imapd.conf)`);
    if (!isRoot) return err(`quiesce runs as \`${self}\` and cannot start children as \`${user}\`: run it as root (it starts them as \`${user}\`, as Cyrus master does), or as \`${user}\``);
    const uid = Number(id(['-u', user]));
    const gid = group === undefined ? Number(id(['-g', user])) : gidOf(group);
    found.set(user, { user, group: group ?? primary, uid, gid });
  }
  return ok(found);
}
