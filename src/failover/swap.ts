// `quiesce swap`: the soft failover of a replicated pair, one printed step at a time.
//
//   find roles ──▶ stop master (must verify: nothing left to replicate) ──▶ stop replica
//      ──▶ start old replica as master ──▶ start old master as replica ──▶ verify
//
// A failing step stops the swap and says which state each side is in and the commands that
// continue it by hand. `--force` lets the swap go on when the master could not verify its flush,
// and says what is then lost.
import { runCompareCommand } from '../compare/compare-command.js';
import { COMPARE_EXIT, EXIT, isSafeToFailOver, SET_OPTION_EXIT, SWAP_EXIT } from '../exit-codes.js';
import type { PairFile, PairSide } from './pair-file.js';
import { commandLine } from '../text.js';
import { findRoles, isRunning } from './roles.js';
import { runOnSide, sideArgv, type SideResult } from './side-command.js';


/** What a side is known to be doing, as the swap goes. */
type SideState = 'master running' | 'replica running' | 'not running' | 'stopped, flush verified' | 'stopped, flush NOT verified' | 'master starting' | 'replica starting' | 'unknown';

interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Stop exit codes after which the stopped side is safe to leave (0 clean, 3 escalated but flushed). */

/** Runs the swap; resolves with its exit code. */
export async function swap(pair: PairFile, opts: { readonly force: boolean }, io: Io): Promise<number> {
  const state = new Map<string, SideState>(pair.sides.map((s) => [s.name, 'unknown']));
  const run = (side: PairSide, args: readonly string[]): Promise<SideResult> =>
    runOnSide(sideArgv(pair, side, args), pair.stepTimeoutMs, (line) => io.out(`  ${side.name}| ${line}`));
  const report = (): void => {
    for (const [name, s] of state) io.err(`  ${name}: ${s}`);
  };
  const fail = (step: string, r: SideResult, next: readonly string[]): number => {
    io.err(`swap stopped at "${step}": \`${r.commandLine}\` exited ${r.exitCode}. Where each side is now:`);
    report();
    if (next.length > 0) io.err(`To continue by hand, fix the cause, then run in order:\n${next.map((c) => `  ${c}`).join('\n')}`);
    return SWAP_EXIT.stepFailed;
  };

  io.out('[1/6] finding the roles');
  const roles = await findRoles(pair);
  if ('unknown' in roles) {
    io.err(roles.unknown);
    return SWAP_EXIT.rolesUnknown;
  }
  const { master, replica } = roles;
  state.set(master.name, 'master running');
  state.set(replica.name, (await isRunning(pair, replica, replica.replica)) ? 'replica running' : 'not running');
  io.out(`  master: ${master.name}, replica: ${replica.name} (${state.get(replica.name)})`);
  const cmd = (side: PairSide, args: readonly string[]): string => commandLine(sideArgv(pair, side, args));
  const rest = {
    stopReplica: cmd(replica, ['stop', '-c', replica.replica]),
    startNewMaster: cmd(replica, ['start', '-c', replica.master]),
    startNewReplica: cmd(master, ['start', '-c', master.replica]),
  };

  io.out(`[2/6] stopping the master ${master.name} (graceful: drain, stop sync_client, flush, verify)`);
  const stopped = await run(master, ['stop', '-c', master.master]);
  if (isSafeToFailOver(stopped.exitCode)) state.set(master.name, 'stopped, flush verified');
  else if (stopped.exitCode === EXIT.shutdownFailed) {
    state.set(master.name, 'stopped, flush NOT verified');
    if (!opts.force) {
      io.err(`refusing to swap: the master ${master.name} could not verify that everything was replicated (exit 4; its verdict is above and in its shutdown report). Bring the replica back and run \`${cmd(master, ['flush', '-C', '<its imapd.conf>'])}\`, or swap with --force to LOSE what is listed above on the new master.`);
      report();
      return SWAP_EXIT.refused;
    }
    io.err(`--force: going on although ${master.name} could not replicate everything; what its verdict above lists is NOT on ${replica.name} and will be missing there`);
  } else return fail(`stop the master ${master.name}`, stopped, [rest.stopReplica, rest.startNewMaster, rest.startNewReplica]);

  io.out(`[3/6] stopping the replica ${replica.name}`);
  if (state.get(replica.name) === 'replica running') {
    const r = await run(replica, ['stop', '-c', replica.replica]);
    if (!isSafeToFailOver(r.exitCode)) return fail(`stop the replica ${replica.name}`, r, [rest.stopReplica, rest.startNewMaster, rest.startNewReplica]);
  }
  state.set(replica.name, 'not running');

  const flip = async (side: PairSide, value: 'on' | 'off'): Promise<SideResult | undefined> => {
    if (pair.replicaOnly === undefined || side.imapdConf === undefined) return undefined;
    const r = await run(side, ['set-option', '-C', side.imapdConf, pair.replicaOnly, value]);
    if (r.exitCode === SET_OPTION_EXIT.unknown) io.out(`  ${side.name}: this Cyrus does not know ${pair.replicaOnly} (Cyrus 3.12 and later have replicaonly; 3.6 does not): not set, the replica takes writes as before`);
    return r.exitCode === SET_OPTION_EXIT.set || r.exitCode === SET_OPTION_EXIT.unknown ? undefined : r;
  };
  const flipped = await flip(replica, 'off');
  if (flipped !== undefined) return fail(`set ${pair.replicaOnly ?? ''} off on ${replica.name}`, flipped, [flipped.commandLine, rest.startNewMaster, rest.startNewReplica]);

  io.out(`[4/6] starting ${replica.name} as the new master`);
  state.set(replica.name, 'master starting');
  const newMaster = await run(replica, ['start', '-c', replica.master]);
  if (newMaster.exitCode !== 0) return fail(`start ${replica.name} as master`, newMaster, [rest.startNewMaster, rest.startNewReplica]);
  state.set(replica.name, 'master running');

  const flippedOn = await flip(master, 'on');
  if (flippedOn !== undefined) return fail(`set ${pair.replicaOnly ?? ''} on on ${master.name}`, flippedOn, [flippedOn.commandLine, rest.startNewReplica]);

  io.out(`[5/6] starting ${master.name} as the new replica`);
  state.set(master.name, 'replica starting');
  const newReplica = await run(master, ['start', '-c', master.replica]);
  if (newReplica.exitCode !== 0) return fail(`start ${master.name} as replica`, newReplica, [rest.startNewReplica]);
  state.set(master.name, 'replica running');

  io.out(`[6/6] checking that replication flows from ${replica.name} to ${master.name}`);
  if (pair.verify !== undefined) {
    const v = await runOnSide([...replica.prefix, ...pair.verify], pair.stepTimeoutMs, (line) => io.out(`  ${replica.name}| ${line}`));
    if (v.exitCode !== 0) return fail(`verify replication ${replica.name} -> ${master.name}`, v, [commandLine([...replica.prefix, ...pair.verify])]);
  } else if (replica.imap !== undefined && master.imap !== undefined) {
    io.out(`  comparing ${replica.name} (master, ${replica.imap}) with ${master.name} (replica, ${master.imap}) over IMAP`);
    const c = pair.compare;
    const compared = await runCompareCommand(
      { master: replica.imap, replica: master.imap, users: [], user: c.user, passwordFile: c.passwordFile, sample: c.sample?.toString(), concurrency: c.concurrency?.toString(), timeout: c.timeout },
      { out: (line) => io.out(`  compare| ${line}`) },
    );
    if (compared !== COMPARE_EXIT.identical) {
      io.err(`swap stopped at "compare ${replica.name} with ${master.name}": quiesce compare exited ${compared} (${compared === COMPARE_EXIT.differ ? 'the sides differ, listed above' : 'a side could not be compared'}). Both sides run in their new roles:`);
      report();
      return SWAP_EXIT.stepFailed;
    }
  } else io.out('  (no `verify` command and no `imap` address of each side in the pair file: both sides are running in their new roles, not compared)');
  io.out(`swapped: ${replica.name} is the master, ${master.name} the replica`);
  return SWAP_EXIT.swapped;
}
