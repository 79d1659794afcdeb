// Which side of a pair runs as master now: the one whose master config answers `quiesce status`.
import type { PairFile, PairSide } from './pair-file.js';
import { runOnSide, sideArgv } from './side-command.js';

/** Whether `quiesce status -c config` answers on `side` (an instance runs with that config). */
export async function isRunning(pair: PairFile, side: PairSide, config: string): Promise<boolean> {
  return (await runOnSide(sideArgv(pair, side, ['status', '--json', '-c', config]), pair.stepTimeoutMs, () => undefined)).exitCode === 0;
}

/** The master and the replica, or why they cannot be told apart (both or neither run as master). */
export async function findRoles(pair: PairFile): Promise<{ readonly master: PairSide; readonly replica: PairSide } | { readonly unknown: string }> {
  const [a, b] = pair.sides;
  const aMaster = await isRunning(pair, a, a.master);
  const bMaster = await isRunning(pair, b, b.master);
  if (aMaster === bMaster) return { unknown: `cannot tell which side is the master: ${aMaster ? 'both' : 'neither'} of ${a.name} (${a.master}) and ${b.name} (${b.master}) answer as running masters` };
  return aMaster ? { master: a, replica: b } : { master: b, replica: a };
}
