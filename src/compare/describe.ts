// How `quiesce compare` words a difference and its summary for people (pure).
import type { Difference } from './differences.js';

/** `(\Seen \Flagged)`, `()` when none. */
export const describeFlags = (flags: readonly string[]): string => `(${flags.join(' ')})`;

/** `alice INBOX uid 4: flags differ: master (\Seen), replica ()`. */
export function describeDifference(d: Difference): string {
  const where = [d.user, d.mailbox, d.uid === undefined ? undefined : `uid ${d.uid}`].filter((w) => w !== undefined).join(' ');
  const what = d.what === 'user' || d.what === 'mailbox' || d.what === 'message' ? `${d.what} on one side only` : `${d.what} differs`;
  return `${where}: ${what}: master ${d.master}, replica ${d.replica}`;
}
