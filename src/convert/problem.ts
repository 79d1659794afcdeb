// What the conversion of one cyrus.conf entry has to tell, shared by entry.ts and schedule.ts.
import type { CyrusArg } from './line.js';

/**
 * Something to tell about one key of an entry (or the entry itself when `key` is undefined).
 * A `problem` is written but not carried over, or carried over so that quiesce refuses it; a
 * `note` is carried over faithfully but deserves a look.
 */
export interface EntryProblem {
  readonly col: number;
  readonly key: string | undefined;
  readonly message: string;
  /** `refused`: Cyrus master refuses the file (or the entry makes it exit) for it. */
  readonly kind: 'problem' | 'note' | 'refused';
}

/** A function that records a problem of `arg` (its key and column) in `problems`. */
export function problemsOf(problems: EntryProblem[]): (arg: CyrusArg, message: string, kind?: EntryProblem['kind']) => void {
  return (arg, message, kind = 'problem') => void problems.push({ col: arg.col, key: arg.key, message, kind });
}
