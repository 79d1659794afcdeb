// Three real Cyrus instances on one machine (loopback): a replication master with two sync log
// channels (`sync_log_channels: r1 r2`), each replayed by its own rolling `sync_client -n`, to its
// own replica. Built, not started: the test starts them under quiesce.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CLI } from '../../integration/harness.js';
import { CYRUS_GROUP, CYRUS_USER } from './cyrus.js';
import { createInstance, type CyrusInstance } from './instance.js';
import { freePorts } from './ports.js';

/** A replica: its instance, ports and quiesce config. */
export interface TrioReplica {
  readonly channel: 'r1' | 'r2';
  readonly cyrus: CyrusInstance;
  readonly imapPort: number;
  readonly syncPort: number;
  readonly config: string;
}

/** The master and its two replicas. */
export interface Trio {
  readonly master: { readonly cyrus: CyrusInstance; readonly imapPort: number; readonly lmtpPort: number; readonly imapdConf: string; readonly config: string };
  readonly replicas: readonly [TrioReplica, TrioReplica];
  cleanup(): void;
}

/** Builds the three instances and their configs; `masterSupervisor` adds SUPERVISOR lines (`key: value`). */
export async function createTrio(dir: string, masterSupervisor: readonly string[] = []): Promise<Trio> {
  const [mImap, mLmtp, r1Imap, r1Sync, r2Imap, r2Sync] = (await freePorts(6)) as [number, number, number, number, number, number];
  const instances = await Promise.all(['trio-m', 'trio-r1', 'trio-r2'].map((name) => createInstance({ name })));
  const [m, r1, r2] = instances as [CyrusInstance, CyrusInstance, CyrusInstance];
  const imapdConf = join(m.dir, 'imapd-master.conf');
  writeFileSync(imapdConf, `${readFileSync(m.imapdConf, 'utf8')}sync_log: yes
sync_log_channels: r1 r2
r1_sync_host: 127.0.0.1
r1_sync_port: ${r1Sync}
r2_sync_host: 127.0.0.1
r2_sync_port: ${r2Sync}
sync_try_imap: no
sync_authname: cyrus
sync_password: secret
sync_repeat_interval: 1
sync_reconnect_maxwait: 5
`);
  execFileSync('chown', [`${CYRUS_USER}:${CYRUS_GROUP}`, imapdConf]);
  chmodSync(imapdConf, 0o640);
  const supervisor = (name: string, conf: string, extra: readonly string[]): string => `SUPERVISOR:
  pidfile: ${join(dir, `${name}.pid`)}
  cyrus_config: ${conf}
  quit_timeout: 10s
  term_timeout: 5s
${extra.map((l) => `  ${l}\n`).join('')}START:
  recover: { cmd: "ctl_cyrusdb -r" }
`;
  const config = join(dir, 'master.yaml');
  writeFileSync(config, `${supervisor('master', imapdConf, masterSupervisor)}SERVICES:
  imap: { cmd: "imapd", listen: "127.0.0.1:${mImap}", prefork: 1 }
  lmtp: { cmd: "lmtpd -a", listen: "127.0.0.1:${mLmtp}", prefork: 1 }
DAEMON:
  sync1: { cmd: "sync_client -r -n r1" }
  sync2: { cmd: "sync_client -r -n r2" }
SHUTDOWN:
  syncflush: { cmd: "${process.execPath} ${CLI} flush -C ${imapdConf} --timeout 5s --attempts 1", timeout: 60s }
`);
  const replica = (channel: 'r1' | 'r2', cyrus: CyrusInstance, imapPort: number, syncPort: number): TrioReplica => {
    const file = join(dir, `${channel}.yaml`);
    writeFileSync(file, `${supervisor(channel, cyrus.imapdConf, [])}SERVICES:
  imap: { cmd: "imapd", listen: "127.0.0.1:${imapPort}", prefork: 1 }
  syncserver: { cmd: "sync_server", listen: "127.0.0.1:${syncPort}", prefork: 1 }
`);
    return { channel, cyrus, imapPort, syncPort, config: file };
  };
  return {
    master: { cyrus: m, imapPort: mImap, lmtpPort: mLmtp, imapdConf, config },
    replicas: [replica('r1', r1, r1Imap, r1Sync), replica('r2', r2, r2Imap, r2Sync)],
    cleanup: () => instances.forEach((i) => i.cleanup()),
  };
}
