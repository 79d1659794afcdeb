// Which processes carry which QUIESCE_TAG: one pass over /proc, shared by every child.
//
// Reading /proc/*/environ costs one open+read per process on the host. Asking it once per child
// made stopping N children cost N passes over N+ processes (seconds at 500 workers). A TagScanner
// instead hands every caller the same pass, and that pass always starts *after* the caller asked:
// a child's stop signal goes to its group first and the stragglers are looked up afterwards, and
// "gone" is only believed from a pass taken after the exit. So sharing never serves a pass taken
// before the moment that makes it correct; it only lets callers that ask close together wait for
// one pass together.
//
//   fresh() ──▶ waiting (joined by every fresh() until it starts) ──pause──▶ pass ──▶ resolved
//
// The pause after a pass is a few times as long as that pass took, so /proc passes take a bounded
// share of the supervisor's time whatever the host's process count: a small host (a pass of a
// millisecond or two, no pause) gets answers at once, one with thousands of processes a pass
// every few tens of ms.
//
// A pass skips the live children themselves (lead()/leave()): each leads its own process group
// and carries its own tag, which no caller looks for (stragglers are the tagged processes outside
// the child's group, and "gone" is asked only after the exit). Reading the environ of a process
// that is exiting waits for its memory to be torn down: the straggler pass right after a stop
// signal to 500 idle workers blocked the supervisor for about 100 ms when it read theirs.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import type { Clock } from '../clock.js';

/** Name of the environment variable that marks every process quiesce starts. */
export const TAG_VARIABLE = 'QUIESCE_TAG';

/** Pids (ours excluded) by each QUIESCE_TAG value they carry. */
export type TagTable = ReadonlyMap<string, readonly number[]>;

/** Pauses between passes, relative to the time the last pass took, and bounded. */
export const TAG_SCAN_DEFAULTS = {
  /** After a pass, the next one waits this many times as long as the pass took (passes: at most a quarter of the time). */
  pauseFactor: 3,
  /** Never a longer pause than this (a slow pass, or the wall clock jumping forward during one). */
  maxPauseMs: 50,
  /** A pass shorter than this needs no pause (a few dozen processes: waiting would cost more than reading again; measured, the pause made a stop of 10 idle workers about 5 ms longer). */
  noPauseBelowMs: 3,
} as const;

const NEEDLE = Buffer.from(`${TAG_VARIABLE}=`);
/** Reused for every environ read (grown when one does not fit), so a pass allocates next to nothing. */
let buffer = Buffer.alloc(64 * 1024);

/** The environ of `pid` (a view valid until the next call), or undefined when it is gone, a zombie or not ours to read. */
function readEnviron(pid: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/environ`, 'r');
  } catch {
    return undefined;
  }
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.alloc(buffer.length * 2);
        buffer.copy(bigger);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Every QUIESCE_TAG value in one environ block (NUL-separated `KEY=value` entries). */
function tagsIn(environ: Buffer): string[] {
  const tags: string[] = [];
  for (let at = environ.indexOf(NEEDLE); at >= 0; at = environ.indexOf(NEEDLE, at + 1)) {
    if (at > 0 && environ[at - 1] !== 0) continue; // `XQUIESCE_TAG=`, not ours
    const start = at + NEEDLE.length;
    const end = environ.indexOf(0, start);
    tags.push(environ.toString('utf8', start, end < 0 ? environ.length : end));
  }
  return tags;
}

const NONE: ReadonlySet<number> = new Set();

/** One pass over /proc now: which pids (other than ours and those in `skip`) carry which tag. */
export function scanTags(skip: ReadonlySet<number> = NONE): Map<string, number[]> {
  const table = new Map<string, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || skip.has(pid)) continue;
    const environ = readEnviron(pid);
    if (environ === undefined || environ.indexOf(NEEDLE) < 0) continue;
    for (const tag of new Set(tagsIn(environ))) {
      const pids = table.get(tag);
      if (pids === undefined) table.set(tag, [pid]);
      else pids.push(pid);
    }
  }
  return table;
}

/** Shares passes over /proc between every child of one supervisor; see the comment at the top. */
export class TagScanner {
  readonly #clock: Clock;
  readonly #scan: (skip: ReadonlySet<number>) => TagTable;
  /** The live children: each leads its own group and carries its own tag, so passes skip them. */
  readonly #leaders = new Set<number>();
  #next: Promise<TagTable> | undefined;
  #lastEndedAt = 0;
  #pauseMs = 0;

  constructor(clock: Clock, scan: (skip: ReadonlySet<number>) => TagTable = scanTags) {
    this.#clock = clock;
    this.#scan = scan;
  }

  /** `pid` is a live child (the leader of its own group, with its own tag): passes skip it. */
  lead(pid: number): void {
    this.#leaders.add(pid);
  }

  /** `pid` exited: passes read it again (its number may be reused). */
  leave(pid: number): void {
    this.#leaders.delete(pid);
  }

  /** A table from a pass that starts after this call (no earlier than the next turn, and after the pause that follows the previous pass). */
  fresh(): Promise<TagTable> {
    this.#next ??= this.#scheduled();
    return this.#next;
  }

  async #scheduled(): Promise<TagTable> {
    // Clamped both ways: the injected clock is the wall clock, which may jump.
    await this.#clock.sleep(Math.min(this.#pauseMs, Math.max(0, this.#lastEndedAt + this.#pauseMs - this.#clock.now())));
    // waiting -> pass: whoever asks from now on needs a later pass
    this.#next = undefined;
    const startedAt = this.#clock.now();
    const table = this.#scan(this.#leaders);
    this.#lastEndedAt = this.#clock.now();
    const { pauseFactor, maxPauseMs, noPauseBelowMs } = TAG_SCAN_DEFAULTS;
    const tookMs = Math.max(0, this.#lastEndedAt - startedAt);
    this.#pauseMs = tookMs < noPauseBelowMs ? 0 : Math.min(maxPauseMs, tookMs * pauseFactor);
    return table;
  }
}
