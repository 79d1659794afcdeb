// /proc/<pid>/stat, read in one place: the fields after `(comm)`, which may hold spaces and parentheses.
import { readFileSync } from 'node:fs';

/** What quiesce reads of a live process's stat line. */
export interface ProcStat {
  /** `R`, `S`, `Z` (zombie), ... */
  readonly state: string;
  readonly pgrp: number;
  /** Start time in clock ticks since boot (field 22). */
  readonly startTicks: number;
}

/** The stat of `pid`, or undefined when it is gone or unreadable. */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads itrealvalue starttime ...
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}
