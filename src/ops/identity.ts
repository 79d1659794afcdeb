// Who each child runs as (README "Running Cyrus under quiesce"): START as quiesce itself (root, as
// under master, which runs START before it drops privileges), the other children as
// SUPERVISOR.user (by default imapd.conf's cyrus_user, else `cyrus`) with its group. Names are
// checked once at start against the system's user database (id(1), so NSS users count too).
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import type { Config } from '../config/types.js';
import { err, ok, type Result } from '../errors.js';
import type { Identity } from './pdeathsig.js';

/** A user as id(1) reports it, or undefined when the user does not exist. */
interface UserEntry {
  readonly uid: number;
  readonly gid: number;
  /** The primary group's name (its number when the group database has none). */
  readonly group: string;
  /** Every group of the user (getgrouplist(3)), the primary one included. */
  readonly groups: readonly number[];
}

/**
 * One `id <user>` (C locale, so its output is not translated): `uid=100(cyrus) gid=8(mail)
 * groups=...`. One process per user instead of one per field: each costs a fork of the supervisor.
 */
function userEntry(user: string): UserEntry | undefined {
  try {
    const out = execFileSync('id', [user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    const m = /^uid=(\d+)\S* gid=(\d+)(?:\(([^)]*)\))?(?: groups=(\S*))?/.exec(out);
    if (m === null) return undefined;
    const groups = (m[4] ?? '').split(',').map((g) => parseInt(g, 10)).filter(Number.isInteger);
    return { uid: Number(m[1]), gid: Number(m[2]), group: m[3] ?? (m[2] as string), groups };
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

/** The name quiesce itself runs as (getpwuid(3), so NSS users count too; its uid when it has none). */
export const currentUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '');
  }
};

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
    const entry = userEntry(user);
    if (entry === undefined) return err(`user \`${user}\` does not exist on this system (set SUPERVISOR.user, or cyrus_user in imapd.conf)`);
    const groupGid = group === undefined ? entry.gid : gidOf(group);
    if (!Number.isInteger(groupGid)) return err(`group \`${group ?? ''}\` does not exist on this system (SUPERVISOR.group, or cyrus_group in imapd.conf)`);
    if (!isRoot) return err(`quiesce runs as \`${self}\` and cannot start children as \`${user}\`: run it as root (it starts them as \`${user}\`, as Cyrus master does), or as \`${user}\``);
    // initgroups(user, groupGid): the user's groups from the group database, and groupGid
    const groups = [groupGid, ...entry.groups.filter((g) => g !== entry.gid && g !== groupGid)];
    found.set(user, { user, group: group ?? entry.group, uid: entry.uid, gid: groupGid, groups });
  }
  return ok(found);
}
