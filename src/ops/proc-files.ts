// Cyrus's proc directory (imapd.conf `proc_path`): one file per process, `<pid>`, holding
// `service\thost\tuser\tmailbox\tcmd`. Services write their own; master 3.10 writes those of its
// DAEMON and EVENTS children (so `cyr_info proc` lists them) and removes them when they are reaped,
// and since 3.12 removes the file a crashed service left behind: a stale one counts as a live
// connection against a user's limits and locks them out of delivery (cyrus-imapd PR #5123).
// quiesce does the same, from the child.started / child.exited events, and at start removes the
// files of processes that are gone (a previous supervisor's children that died with it).
import { chownSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEvent } from '../log.js';

/** Who the files belong to (the Cyrus user), when quiesce is not that user. */
export type Owner = { readonly uid: number; readonly gid: number } | undefined;

/** Whether `pid` is a live process (not a zombie). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function chown(path: string, owner: Owner): void {
  if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
}

/** Writes `<dir>/<pid>` as master does: a `.new` file renamed into place; the directory made if missing. */
export function registerProc(dir: string, pid: number, service: string, owner: Owner): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chown(dir, owner);
    const tmp = join(dir, `${pid}.new`);
    writeFileSync(tmp, `${service}\t\t\t\t\n`, { mode: 0o644 });
    chown(tmp, owner);
    renameSync(tmp, join(dir, String(pid)));
  } catch {
    // as master: "don't sweat it", the process runs all the same
  }
}

/** Removes `<dir>/<pid>` (gone already: fine). */
export function forgetProc(dir: string, pid: number): void {
  try {
    rmSync(join(dir, String(pid)), { force: true });
  } catch {
    // a permission problem: nothing better to do
  }
}

/** Removes the proc files of processes that are no longer alive; returns their pids. */
export function sweepStaleProcs(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const stale = names.map((n) => /^(\d+)(\.new)?$/.exec(n)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).filter((pid) => !isAlive(pid));
  for (const pid of stale) {
    forgetProc(dir, pid);
    rmSync(join(dir, `${pid}.new`), { force: true });
  }
  return [...new Set(stale)];
}

/** A crash: a signal, or an exit code other than 0 and 75 (EX_TEMPFAIL, a graceful stop). */
const isAbnormal = (e: Extract<LogEvent, { event: 'child.exited' }>): boolean => e.signal !== null || (e.code !== 0 && e.code !== 75);

/** The log listener that keeps the proc directory as master does; `dir()` is the current proc_path. */
export function procFileKeeper(dir: () => string | undefined, owner: () => Owner): (e: LogEvent) => void {
  return (e) => {
    const path = dir();
    if (path === undefined) return;
    if (e.event === 'child.started' && (e.section === 'DAEMON' || e.section === 'EVENTS')) registerProc(path, e.pid, e.entry, owner());
    else if (e.event === 'child.exited' && (e.section === 'DAEMON' || e.section === 'EVENTS' || (e.section === 'SERVICES' && isAbnormal(e)))) forgetProc(path, e.pid);
  };
}
