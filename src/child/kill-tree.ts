// Finding and signalling every process a child started, including those that left its group.
//
// Each child is spawned as the leader of its own process group (detached: true), so one
// kill(-pgid) reaches it and every descendant that stayed in the group. A descendant that called
// setsid() (or double-forked) leaves the group, and once its parent dies it is reparented and
// no longer in the tree either. To still find it, every child gets a unique QUIESCE_TAG in its
// environment, which descendants inherit; /proc/<pid>/environ tells which processes carry it
// (the way a cgroup would, without needing one). tree-kill covers descendants that cleared their
// environment, as long as they are still attached to the live tree.
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import treeKill from 'tree-kill';
import { scanTags } from './tag-scan.js';
import { findInPath } from '../path-search.js';
import { procStat } from './proc.js';

/**
 * Pids (other than ours) whose environment carries `QUIESCE_TAG=<tag>` exactly, or any tag starting
 * with `tag` when `prefix`. One pass over /proc of its own: a supervisor's children share passes
 * through a TagScanner (tag-scan.ts) instead.
 */
export function findTagged(tag: string, prefix = false): number[] {
  const found = new Set<number>();
  for (const [t, pids] of scanTags()) if (prefix ? t.startsWith(tag) : t === tag) for (const p of pids) found.add(p);
  return [...found];
}

/** The process group of `pid`, or undefined when it is gone. */
export function processGroupOf(pid: number): number | undefined {
  const stat = procStat(pid);
  return stat === undefined || stat.state === 'Z' ? undefined : stat.pgrp;
}

/** Sends `signal` to a process group; false when the group has no member left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to one pid; false when it is gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

const psAvailable = findInPath('ps', process.env.PATH) !== undefined;

/**
 * Signals the live tree under `pid` by parent links (tree-kill walks it with ps). Only when ps
 * exists: without it tree-kill crashes its caller with an unhandled 'error' event.
 */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  if (!psAvailable) return;
  treeKill(pid, signal, () => undefined);
}

/** True when `pid` has a handler for `signal` (the SigCgt mask of /proc/<pid>/status); undefined when unknown. */
export function catchesSignal(pid: number, signal: NodeJS.Signals): boolean | undefined {
  const number = constants.signals[signal];
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    return mask === undefined ? undefined : ((BigInt(`0x${mask}`) >> BigInt(number - 1)) & 1n) === 1n;
  } catch {
    return undefined;
  }
}

/** Blocks the thread for `ms` (only for paths that run where the event loop cannot be trusted). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The stop of the fatal path, synchronous: SIGTERM to every process carrying a tag that starts with
 * `prefix`, then SIGKILL to whatever still carries one after `graceMs` (checked every `pollMs`).
 * Returns the pids that needed SIGKILL. An exited child is a zombie until reaped, and a zombie's
 * environment cannot be read, so it no longer counts as carrying its tag.
 */
export function stopTaggedNow(prefix: string, graceMs: number, pollMs: number): number[] {
  let left = findTagged(prefix, true);
  for (const pid of left) signalPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (left.length > 0 && Date.now() < deadline) {
    sleepSync(pollMs);
    left = findTagged(prefix, true);
  }
  for (const pid of left) signalPid(pid, 'SIGKILL');
  return left;
}
