// A throw-away real Cyrus instance in a temp dir: layout, imapd.conf, ownership, cleanup.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { CYRUS_GROUP, CYRUS_USER, cyrusBin } from './cyrus.js';

/** Subdirectories of configdirectory that Debian's makedirs creates (it cannot take another imapd.conf). */
const CONF_SUBDIRS = ['db', 'proc', 'socket', 'log', 'msg', 'user', 'quota', 'lock', 'sieve', 'sync'];

/** Rolling replication settings of a replication master (sync_log + sync_* options). */
export interface SyncSettings {
  readonly host: string;
  readonly port: number;
  readonly authname?: string;
  readonly password?: string;
  readonly repeatIntervalS?: number;
  /** Written as sync_shutdown_file, relative paths are under configdirectory. */
  readonly shutdownFile?: string;
}

/** What to put in the instance's imapd.conf beyond the common settings. */
export interface InstanceOptions {
  /** Used in servername and syslog_prefix; `quiesce-e2e` by default. */
  readonly name?: string;
  /** Turn on sync_log (and point sync_client at a replica). */
  readonly sync?: SyncSettings;
  /** Extra `key: value` lines. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** A Cyrus instance on disk; processes are the test's business, the files are cleanup()'s. */
export interface CyrusInstance {
  /** The temp dir holding everything. */
  readonly dir: string;
  /** configdirectory. */
  readonly confDir: string;
  /** partition-default. */
  readonly spoolDir: string;
  /** The imapd.conf to pass with `-C`. */
  readonly imapdConf: string;
  /** Removes the temp dir. */
  cleanup(): void;
}

const run = promisify(execFile);

/** Builds a fresh instance owned by cyrus:mail and runs `ctl_cyrusdb -r` on it (as master's START would). */
export async function createInstance(opts: InstanceOptions = {}): Promise<CyrusInstance> {
  const name = opts.name ?? 'quiesce-e2e';
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const confDir = join(dir, 'conf');
  const spoolDir = join(dir, 'spool');
  const imapdConf = join(dir, 'imapd.conf');
  const instance: CyrusInstance = { dir, confDir, spoolDir, imapdConf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  try {
    for (const sub of CONF_SUBDIRS) mkdirSync(join(confDir, sub), { recursive: true });
    mkdirSync(join(spoolDir, 'stage.'), { recursive: true });
    writeFileSync(imapdConf, imapdConfText(name, confDir, spoolDir, opts));
    execFileSync('chown', ['-R', `${CYRUS_USER}:${CYRUS_GROUP}`, dir]);
    // mkdtemp made the dir 0700 (root); Cyrus runs as cyrus and must traverse every component
    chmodSync(dir, 0o750);
    chmodSync(imapdConf, 0o640);
    assertTraversable(dirname(dir));
    await run(cyrusBin('ctl_cyrusdb'), ['-C', imapdConf, '-r'], { timeout: 30_000 });
    return instance;
  } catch (e) {
    instance.cleanup();
    throw e;
  }
}

/** The environment a SERVICES worker gets from master. */
export function serviceEnv(service: string, id = 0): NodeJS.ProcessEnv {
  return { ...process.env, CYRUS_SERVICE: service, CYRUS_ID: String(id) };
}

function imapdConfText(name: string, confDir: string, spoolDir: string, opts: InstanceOptions): string {
  const lines: Record<string, string> = {
    configdirectory: confDir,
    'partition-default': spoolDir,
    defaultpartition: 'default',
    servername: `${name}.quiesce.test`,
    syslog_prefix: name,
    admins: 'cyrus',
    // loopback tests only: libsasl2's alwaystrue checker accepts every password
    allowplaintext: 'yes',
    sasl_pwcheck_method: 'alwaystrue',
    sasl_mech_list: 'PLAIN LOGIN',
    // classic user.alice names
    altnamespace: 'no',
    unixhierarchysep: 'no',
    lmtp_downcase_rcpt: 'yes',
    umask: '077',
  };
  if (opts.sync) {
    const s = opts.sync;
    Object.assign(lines, {
      sync_log: 'yes',
      sync_host: s.host,
      sync_port: String(s.port),
      sync_try_imap: 'no',
      sync_authname: s.authname ?? 'cyrus',
      sync_password: s.password ?? 'secret',
      sync_repeat_interval: String(s.repeatIntervalS ?? 1),
      sync_reconnect_maxwait: '10',
    });
    if (s.shutdownFile !== undefined) lines.sync_shutdown_file = s.shutdownFile.startsWith('/') ? s.shutdownFile : join(confDir, s.shutdownFile);
  }
  Object.assign(lines, opts.extra ?? {});
  return Object.entries(lines).map(([k, v]) => `${k}: ${v}\n`).join('');
}

/** Every ancestor must be searchable by others, or cyrus cannot reach its files. */
function assertTraversable(path: string): void {
  for (let p = path; ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) {
      throw new Error(`${p} is not traversable by the ${CYRUS_USER} user (mode ${(statSync(p).mode & 0o777).toString(8)}); set TMPDIR to a dir under /tmp`);
    }
    if (p === dirname(p)) return;
  }
}
