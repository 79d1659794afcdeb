// `quiesce compare --master HOST[:PORT] --replica HOST[:PORT] [USER...]`: master and replica side
// by side over IMAP; each difference, a summary, and what replicates the users that differ.
// Exit 0 = identical, 4 = something differs, 69 = a side cannot be reached or used, 75 = a side
// did not answer in time, 64 = bad option.
import { readFileSync } from 'node:fs';
import { COMPARE_DEFAULTS } from '../defaults.js';
import { parseDuration } from '../config/fields.js';
import { loadImapdConf } from '../config/imapd-conf.js';
import { formatDiagnostic } from '../errors.js';
import { COMPARE_EXIT } from '../exit-codes.js';
import { userSyncArgv } from '../replication/replay-command.js';
import { channelsOf } from '../replication/sync-dir.js';
import { commandLine } from '../text.js';
import { compare, type CompareResult } from './compare.js';
import { describeDifference } from './describe.js';
import type { ImapEndpoint } from './imap-session.js';
import { parseAddress } from './address.js';

export { parseAddress } from './address.js';

/** The subcommand's options as commander hands them over. */
export interface CompareCommandOptions {
  /** The master's and the replica's IMAP address; or `pair`. */
  readonly master?: string;
  readonly replica?: string;
  /** `--pair`: swap's pair file; the side running as master now is compared with the other (each side's `imap`, the file's `compare` options). */
  readonly pair?: string;
  readonly users: readonly string[];
  readonly user?: string;
  readonly passwordFile?: string;
  readonly replicaUser?: string;
  readonly replicaPasswordFile?: string;
  readonly sample?: string;
  readonly concurrency?: string;
  readonly timeout?: string;
  /** `-C`: the master's imapd.conf, for the sync_client command that replicates what differs. */
  readonly imapdConf?: string;
  readonly json?: boolean;
}

/** Where output goes; `progress` only on a terminal. */
export interface CompareOutput {
  readonly out: (line: string) => void;
  readonly progress?: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs the subcommand; resolves with the exit code. */
export async function runCompareCommand(given: CompareCommandOptions, io: CompareOutput): Promise<number> {
  const usage = (message: string): number => {
    io.out(`quiesce compare: ${message}`);
    return COMPARE_EXIT.usage;
  };
  let o = given;
  if (given.pair !== undefined) {
    if (given.master !== undefined || given.replica !== undefined) return usage('give --pair, or --master and --replica, not both');
    const fromPair = await pairSides(given.pair);
    if (typeof fromPair === 'string') {
      io.out(`quiesce compare: ${fromPair}`);
      return fromPair.startsWith('cannot tell') ? COMPARE_EXIT.unavailable : COMPARE_EXIT.configInvalid;
    }
    o = { ...fromPair, ...(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<CompareCommandOptions>), users: given.users };
    io.out(`quiesce compare: master ${o.master ?? ''}, replica ${o.replica ?? ''} (${given.pair})`);
  }
  if (o.master === undefined || o.replica === undefined) return usage('give --master and --replica (each side\'s IMAP address), or --pair PAIR.yaml');
  const timeout = parseDuration(o.timeout ?? `${COMPARE_DEFAULTS.timeoutMs / 1000}s`, 's');
  if (!timeout.ok || timeout.value === 0) return usage(`--timeout: ${timeout.ok ? 'must be more than 0' : timeout.error}`);
  const concurrency = Number(o.concurrency ?? COMPARE_DEFAULTS.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return usage(`--concurrency: expected a positive integer, got \`${String(o.concurrency)}\``);
  const sample = o.sample === undefined ? undefined : Number(o.sample);
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 1)) return usage(`--sample: expected a positive integer, got \`${String(o.sample)}\``);
  const endpoints: Partial<Record<'master' | 'replica', ImapEndpoint>> = {};
  for (const side of ['master', 'replica'] as const) {
    const text = o[side] ?? '';
    const address = parseAddress(text);
    if (address === undefined) return usage(`--${side}: expected HOST, HOST:PORT, [IPv6]:PORT or imaps://HOST[:PORT], got \`${text}\``);
    const file = side === 'replica' ? o.replicaPasswordFile ?? o.passwordFile : o.passwordFile;
    let password = (io.env ?? process.env)[COMPARE_DEFAULTS.passwordEnv];
    if (file !== undefined) {
      try {
        password = readFileSync(file, 'utf8').split('\n')[0]?.replace(/\r$/, '');
      } catch (e) {
        return usage(`--${side === 'replica' && o.replicaPasswordFile !== undefined ? 'replica-' : ''}password-file: cannot read ${file}: ${(e as Error).message}`);
      }
    }
    if (password === undefined) return usage(`no password for the ${side}'s admin: give --password-file FILE or set ${COMPARE_DEFAULTS.passwordEnv}`);
    endpoints[side] = { ...address, user: (side === 'replica' ? o.replicaUser ?? o.user : o.user) ?? COMPARE_DEFAULTS.admin, password };
  }
  let replicate = (users: readonly string[]): string[] => [commandLine(['sync_client', '-u', ...users])];
  if (o.imapdConf !== undefined) {
    const conf = loadImapdConf(o.imapdConf);
    if (!conf.ok) return usage(`-C: ${conf.error}`);
    const channels = channelsOf(conf.value).filter((c) => c.consumer === 'sync_client');
    replicate = (users) => channels.map((c) => commandLine(userSyncArgv({ confFile: c.confFile, channel: c.name }, users[0] as string).concat(users.slice(1))));
  }
  const result = await compare({
    master: endpoints.master as ImapEndpoint, replica: endpoints.replica as ImapEndpoint,
    ...(o.users.length > 0 ? { users: o.users } : {}), ...(sample === undefined ? {} : { sample }),
    concurrency, timeoutMs: timeout.value,
    onProgress: io.progress === undefined || o.json === true ? undefined : (done, total, n) => io.progress?.(`compared ${done}/${total} user(s), ${n} difference(s)`),
  });
  io.progress?.('');
  const code = exitCodeOf(result);
  if (o.json === true) io.out(JSON.stringify(asJson(result, code, replicate)));
  else report(result, io.out, replicate);
  return code;
}

const exitCodeOf = (r: CompareResult): number =>
  r.kind === 'failed' ? (r.failure.reason === 'timeout' ? COMPARE_EXIT.timeout : COMPARE_EXIT.unavailable) : r.differences.length > 0 ? COMPARE_EXIT.differ : COMPARE_EXIT.identical;

function report(r: CompareResult, out: (line: string) => void, replicate: (users: readonly string[]) => string[]): void {
  if (r.kind === 'failed') {
    out(`quiesce compare: the ${r.side} ${r.failure.reason === 'timeout' ? 'did not answer in time' : 'cannot be used'}: ${r.failure.message}`);
    return;
  }
  for (const d of r.differences) out(describeDifference(d));
  const counted = `compared ${r.users.length} user(s), ${r.mailboxes} mailbox(es), ${r.messages} message(s)`;
  if (r.differences.length === 0) {
    out(`${counted}: identical`);
    return;
  }
  out(`${counted}: ${r.differences.length} difference(s) in ${r.differingUsers.length} user(s): ${r.differingUsers.join(', ')}`);
  for (const c of replicate(r.differingUsers)) out(`replicate them with: ${c}`);
  out('  (a full user sync reconciles both ways: what was expunged or flagged on the replica is on the master afterwards too)');
}

function asJson(r: CompareResult, exitCode: number, replicate: (users: readonly string[]) => string[]): unknown {
  if (r.kind === 'failed') return { exitCode, identical: false, error: { side: r.side, reason: r.failure.reason, message: r.failure.message } };
  return {
    exitCode, identical: r.differences.length === 0, users: r.users, mailboxes: r.mailboxes, messages: r.messages,
    differences: r.differences.map((d) => ({ ...d, mailbox: d.mailbox ?? null, uid: d.uid ?? null })),
    differingUsers: r.differingUsers, replicate: r.differingUsers.length === 0 ? [] : replicate(r.differingUsers),
  };
}

/** The options a pair file gives: the addresses of the side running as master now and of the other, and its compare options; or what is wrong. */
async function pairSides(file: string): Promise<Omit<CompareCommandOptions, 'users'> | string> {
  const [{ loadPairFile }, { findRoles }] = await Promise.all([import('../failover/pair-file.js'), import('../failover/roles.js')]);
  const pair = loadPairFile(file);
  if (!pair.ok) return pair.error.map(formatDiagnostic).join('\n');
  const missing = pair.value.sides.filter((s) => s.imap === undefined).map((s) => s.name);
  if (missing.length > 0) return `${file}: no \`imap\` address for side(s) ${missing.join(', ')}: compare needs each side's IMAP service`;
  const roles = await findRoles(pair.value);
  if ('unknown' in roles) return roles.unknown;
  const c = pair.value.compare;
  return {
    master: roles.master.imap, replica: roles.replica.imap, user: c.user, passwordFile: c.passwordFile,
    sample: c.sample?.toString(), concurrency: c.concurrency?.toString(), timeout: c.timeout,
  };
}
