// Two real Cyrus instances on one machine (loopback), each runnable under quiesce as replication
// master or as replica: imapd.conf per role, quiesce config per role, a pair file for `quiesce swap`.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI, ev, startQuiesce, type Quiesce } from '../../integration/harness.js';
import { ImapClient } from './imap-client.js';
import { CYRUS_GROUP, CYRUS_USER } from './cyrus.js';
import { createInstance, type CyrusInstance } from './instance.js';
import { freePorts } from './ports.js';

/** One side of the pair. */
export interface PairInstance {
  readonly name: 'a' | 'b';
  readonly cyrus: CyrusInstance;
  readonly imapPort: number;
  readonly lmtpPort: number;
  readonly syncPort: number;
  /** imapd.conf when this side is the master (sync_log: yes, sync_client to the other side). */
  readonly masterConf: string;
  /** quiesce configs of each role. */
  readonly asMaster: string;
  readonly asReplica: string;
}

/** Both sides and the pair file. */
export interface Pair {
  readonly a: PairInstance;
  readonly b: PairInstance;
  readonly pairFile: string;
  cleanup(): void;
}

/** Knobs of the quiesce configs. */
export interface PairOptions {
  /** SUPERVISOR.sync_drain_timeout of the master role. */
  readonly drainTimeout?: string;
  /** The master's sync_reconnect_maxwait (default 5 s, so tests never wait out Cyrus's 20 minutes). */
  readonly reconnectMaxwait?: string;
  /** Whether the master role has the final `quiesce flush` SHUTDOWN command (default yes). */
  readonly flush?: boolean;
  /** Extra options of that flush (e.g. `--timeout 3s --attempts 1`). */
  readonly flushArgs?: string;
  /** Whether the master role runs the rolling `sync_client -r` DAEMON (default yes). */
  readonly syncClient?: boolean;
  /** Extra SUPERVISOR lines of the master role (`key: value` each). */
  readonly masterSupervisor?: readonly string[];
  /** The built CLI the flush and the pair file run (the benchmark, compiled elsewhere, passes its own). */
  readonly cli?: string;
}

const conf = (lines: Record<string, string>): string => Object.entries(lines).map(([k, v]) => `${k}: ${v}\n`).join('');

/** Builds both instances, their imapd.conf files and quiesce configs (nothing is started). */
export async function createPair(dir: string, opts: PairOptions = {}): Promise<Pair> {
  const [aImap, aLmtp, aSync, bImap, bLmtp, bSync] = (await freePorts(6)) as [number, number, number, number, number, number];
  const a = await createInstance({ name: 'pair-a' });
  const b = await createInstance({ name: 'pair-b' });
  const sides = { a: { cyrus: a, imap: aImap, lmtp: aLmtp, sync: aSync }, b: { cyrus: b, imap: bImap, lmtp: bLmtp, sync: bSync } };
  const build = (name: 'a' | 'b'): PairInstance => {
    const me = sides[name];
    const other = sides[name === 'a' ? 'b' : 'a'];
    const masterConf = join(me.cyrus.dir, 'imapd-master.conf');
    writeFileSync(masterConf, `${readFileSync(me.cyrus.imapdConf, 'utf8')}${conf({
      sync_log: 'yes', sync_host: '127.0.0.1', sync_port: String(other.sync), sync_try_imap: 'no',
      sync_authname: 'cyrus', sync_password: 'secret', sync_repeat_interval: '1', sync_reconnect_maxwait: opts.reconnectMaxwait ?? '5',
    })}`);
    execFileSync('chown', [`${CYRUS_USER}:${CYRUS_GROUP}`, masterConf]);
    chmodSync(masterConf, 0o640);
    const common = (role: string, imapdConf: string): string => `
SUPERVISOR:
  pidfile: ${join(dir, `${name}-${role}.pid`)}
  cyrus_config: ${imapdConf}
  quit_timeout: 10s
  term_timeout: 5s
${role === 'master' && opts.drainTimeout !== undefined ? `  sync_drain_timeout: ${opts.drainTimeout}\n` : ''}${role === 'master' ? (opts.masterSupervisor ?? []).map((l) => `  ${l}\n`).join('') : ''}START:
  recover: { cmd: "ctl_cyrusdb -r" }
SERVICES:
  imap: { cmd: "imapd", listen: "127.0.0.1:${me.imap}", prefork: 1 }
`;
    const asMaster = join(dir, `${name}-master.yaml`);
    writeFileSync(asMaster, `${common('master', masterConf)}  lmtp: { cmd: "lmtpd -a", listen: "127.0.0.1:${me.lmtp}", prefork: 1 }
${opts.syncClient === false ? '' : `DAEMON:
  syncclient: { cmd: "sync_client -r" }
`}${opts.flush === false ? '' : `SHUTDOWN:
  syncflush: { cmd: "${process.execPath} ${opts.cli ?? CLI} flush -C ${masterConf} ${opts.flushArgs ?? ''}", timeout: 60s }
`}`);
    const asReplica = join(dir, `${name}-replica.yaml`);
    writeFileSync(asReplica, `${common('replica', me.cyrus.imapdConf)}  syncserver: { cmd: "sync_server", listen: "127.0.0.1:${me.sync}", prefork: 1 }
`);
    return { name, cyrus: me.cyrus, imapPort: me.imap, lmtpPort: me.lmtp, syncPort: me.sync, masterConf, asMaster, asReplica };
  };
  const pairFile = join(dir, 'pair.yaml');
  const pa = build('a');
  const pb = build('b');
  writeFileSync(join(dir, 'admin.pw'), 'secret\n', { mode: 0o600 }); // the instances' alwaystrue checker takes any password
  writeFileSync(pairFile, `
quiesce: ["${process.execPath}", "${opts.cli ?? CLI}"]
sides:
  a: { master: ${pa.asMaster}, replica: ${pa.asReplica}, imap: "127.0.0.1:${aImap}", imapd_conf: ${a.imapdConf} }
  b: { master: ${pb.asMaster}, replica: ${pb.asReplica}, imap: "127.0.0.1:${bImap}", imapd_conf: ${b.imapdConf} }
compare: { user: cyrus, password_file: admin.pw, timeout: 20s }
replica_only: replicaonly
step_timeout: 120s
`);
  return { a: pa, b: pb, pairFile, cleanup: () => { a.cleanup(); b.cleanup(); } };
}

/**
 * Starts B as replica, then A as master (by `startA`, default a plain `quiesce run`), and creates
 * user.alice on A (replicated only if A runs a sync_client).
 */
export async function startSides(dir: string, p: Pair, startA: () => Quiesce = () => startQuiesce(dir, p.a.asMaster)): Promise<{ a: Quiesce; b: Quiesce }> {
  const b = startQuiesce(dir, p.b.asReplica);
  await b.waitForLog(ev('supervisor.running'));
  const a = startA();
  await a.waitForLog(ev('supervisor.running'));
  const admin = await ImapClient.connect(p.a.imapPort);
  await admin.login('cyrus');
  await admin.ok('CREATE user.alice');
  await admin.logout();
  return { a, b };
}
