import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { DEFAULTS } from '../../../src/defaults.js';
import { formatDiagnostic } from '../../../src/errors.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'quiesce-config-')));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function program(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, 0o755);
}

/** A config that must be valid: its diagnostics fail the test with their text. */
function valid(r: ReturnType<typeof loadConfigFile>): Config {
  if (!r.ok) throw new Error(r.error.map(formatDiagnostic).join('\n'));
  return r.value;
}

describe('a valid full file', () => {
  program(join(dir, 'bin', 'imapd'));
  program(join(dir, 'bin', 'ctl_cyrusdb'));
  program(join(dir, 'path-bin', 'helper'));
  copyFileSync('test/fixtures/conf/valid/full.yaml', join(dir, 'full.yaml'));
  // the Cyrus instance of SUPERVISOR.cyrus_config: its children run as its cyrus_user
  writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${join(dir, 'cyrus')}\ncyrus_user: mailer\ncyrus_group: mail\n`);
  const config = valid(loadConfigFile(join(dir, 'full.yaml'), { env: { PATH: `${join(dir, 'path-bin')}:/usr/bin:/bin` } }));
  const bin = join(dir, 'bin');
  const conf = join(dir, 'imapd.conf');

  it('has every SUPERVISOR setting in milliseconds, paths resolved against the file', () => {
    expect(config.file).toBe(join(dir, 'full.yaml'));
    expect(config.supervisor).toEqual({
      pidfile: join(dir, 'run/full.pid'),
      // master's ready file, and the user and group of the Cyrus children, come from the imapd.conf
      readyFile: join(dir, 'cyrus', 'master.ready'),
      user: 'mailer',
      group: 'mail',
      logFile: '/var/log/quiesce-full.log',
      quitTimeoutMs: 3_000,
      termTimeoutMs: 500,
      shutdownTimeoutMs: 120_000,
      startTimeoutMs: 3_600_000,
      progressIntervalMs: 2_000,
      restartDelayMs: 250,
      restartMaxDelayMs: 30_000,
      restartResetAfterMs: 90_000,
      restartGiveUpCount: 0,
      binDir: bin,
      cyrusConfig: conf,
      listenBacklog: 64,
      readyFailLimit: 3,
      readyFailIntervalMs: 20_000,
      controlSocket: join(dir, 'run/full.sock'),
      reportFile: join(dir, 'run/full.report.json'),
      metricsPort: 0,
      gracefulSignal: 'SIGQUIT',
      syslogSocket: undefined,
      pdeathsig: true,
      syncDrainTimeoutMs: 60_000,
      syncBacklogIntervalMs: 10_000,
      syncBacklogWarnBytes: 10_240,
      syncBacklogWarnAgeMs: 120_000,
      syncBacklogCriticalBytes: 102_400,
      syncBacklogCriticalAgeMs: 1_200_000,
    });
  });

  it('keeps the file order of every section', () => {
    expect(config.start.map((e) => e.name)).toEqual(['recover', 'prepare']);
    expect(config.services.map((e) => e.name)).toEqual(['imap', 'imaps', 'lmtpunix', 'pool']);
    expect(config.events.map((e) => e.name)).toEqual(['checkpoint', 'squatter', 'quick']);
    expect(config.daemons.map((e) => e.name)).toEqual(['syncclient']);
    expect(config.shutdown.map((e) => e.name)).toEqual(['syncflush', 'last']);
  });

  it('resolves argv[0], and gives -C only to bin_dir programs without their own', () => {
    const argv = Object.fromEntries([...config.start, ...config.services, ...config.events, ...config.daemons, ...config.shutdown].map((e) => [e.name, e.argv]));
    expect(argv).toEqual({
      recover: [`${bin}/ctl_cyrusdb`, '-C', conf, '-r'],
      prepare: ['/bin/sh', '-c', 'mkdir -p /tmp/quiesce-$USER'],
      imap: [`${bin}/imapd`, '-C', conf, '-U', '30'],
      imaps: [`${bin}/imapd`, '-s', '-C', '/etc/other.conf'],
      lmtpunix: [`${bin}/imapd`, '-C', conf],
      pool: [`${dir}/path-bin/helper`, 'two words'],
      checkpoint: [`${bin}/ctl_cyrusdb`, '-C', conf, '-c'],
      squatter: [`${bin}/ctl_cyrusdb`, '-C', conf, '-x'],
      quick: ['/bin/sh', '-c', 'true'],
      syncclient: [`${bin}/ctl_cyrusdb`, '-C', conf, '-r'],
      syncflush: [`${bin}/ctl_cyrusdb`, '-C', conf, '-f'],
      last: [`${dir}/path-bin/helper`],
    });
  });

  it('normalizes START and SHUTDOWN timeouts, defaulting to SUPERVISOR', () => {
    expect(config.start.map((e) => [e.timeoutMs, e.shell])).toEqual([
      [300_000, false],
      [3_600_000, true],
    ]);
    expect(config.shutdown.map((e) => [e.timeoutMs, e.quitTimeoutMs, e.termTimeoutMs])).toEqual([
      [60_000, 3_000, 2_000],
      [120_000, 3_000, 500],
    ]);
  });

  it('normalizes SERVICES', () => {
    const [imap, imaps, lmtp, pool] = config.services;
    expect(imap).toMatchObject({ listenSpec: '127.0.0.1:1143', listen: { kind: 'tcp', host: '127.0.0.1', port: 1143 }, proto: 'tcp', prefork: 1, maxchild: 100 });
    expect(imaps).toMatchObject({ listen: { kind: 'tcp', host: '::1', port: 1993 }, proto: 'tcp6', maxforkrate: 10, babysit: true, maxfds: 1024 });
    expect(lmtp).toMatchObject({ listenSpec: 'socket/lmtp', listen: { kind: 'unix', path: join(dir, 'socket/lmtp') }, maxchild: -1 });
    expect(pool).toMatchObject({ listenSpec: undefined, listen: undefined, prefork: 0, maxchild: -1, maxforkrate: 0, babysit: false, maxfds: 0 });
  });

  it('reads a bare EVENTS period as minutes and `at: 0400` as 04:00', () => {
    expect(config.events.map((e) => e.schedule)).toEqual([
      { kind: 'period', periodMs: 1_800_000 },
      { kind: 'at', hour: 4, minute: 0 },
      { kind: 'period', periodMs: 90_000 },
    ]);
  });

  it('normalizes DAEMON and the keys every entry has', () => {
    expect(config.daemons[0]).toEqual({
      name: 'syncclient',
      section: 'DAEMON',
      cmd: 'ctl_cyrusdb -r',
      argv: [`${bin}/ctl_cyrusdb`, '-C', conf, '-r'],
      shell: false,
      env: { LANG: 'C', EMPTY: '' },
      cwd: join(dir, 'work'),
      stopSignal: 'SIGTERM',
      quitTimeoutMs: 1_000,
      termTimeoutMs: 500,
      user: 'mailer',
      group: 'mail',
      line: 38,
      wait: true,
      waitTimeoutMs: 20_000,
    });
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.supervisor)).toBe(true);
    expect(Object.isFrozen(config.services)).toBe(true);
    expect(Object.isFrozen(config.daemons[0]?.env)).toBe(true);
    expect(Object.isFrozen(config.services[0]?.argv)).toBe(true);
    expect(Object.isFrozen(config.services[0]?.listen)).toBe(true);
  });
});

describe('defaults', () => {
  it('a file with one entry and no SUPERVISOR gets every SUPERVISOR default', () => {
    const config = valid(parseConfigText('DAEMON:\n  d: { cmd: /bin/sleep 9 }\n', 'conf/site-a.yaml'));
    expect(config.supervisor).toEqual({
      pidfile: `${DEFAULTS.pidDir}/site-a.pid`,
      logFile: undefined,
      quitTimeoutMs: DEFAULTS.quitTimeoutMs,
      termTimeoutMs: DEFAULTS.termTimeoutMs,
      shutdownTimeoutMs: DEFAULTS.shutdownTimeoutMs,
      startTimeoutMs: DEFAULTS.startTimeoutMs,
      progressIntervalMs: DEFAULTS.progressIntervalMs,
      restartDelayMs: DEFAULTS.restartDelayMs,
      restartMaxDelayMs: DEFAULTS.restartMaxDelayMs,
      restartResetAfterMs: DEFAULTS.restartResetAfterMs,
      restartGiveUpCount: DEFAULTS.restartGiveUpCount,
      binDir: DEFAULTS.binDir,
      cyrusConfig: undefined,
      listenBacklog: DEFAULTS.listenBacklog,
      readyFailLimit: DEFAULTS.readyFailLimit,
      readyFailIntervalMs: DEFAULTS.readyFailIntervalMs,
      controlSocket: `${DEFAULTS.pidDir}/site-a.sock`,
      reportFile: `${DEFAULTS.pidDir}/site-a.report.json`,
      metricsPort: DEFAULTS.metricsPort,
      gracefulSignal: DEFAULTS.gracefulSignal,
      syslogSocket: undefined,
      pdeathsig: DEFAULTS.pdeathsig,
      syncDrainTimeoutMs: DEFAULTS.syncDrainTimeoutMs,
      syncBacklogIntervalMs: DEFAULTS.syncBacklogIntervalMs,
      syncBacklogWarnBytes: DEFAULTS.syncBacklogWarnBytes,
      syncBacklogWarnAgeMs: DEFAULTS.syncBacklogWarnAgeMs,
      syncBacklogCriticalBytes: DEFAULTS.syncBacklogCriticalBytes,
      syncBacklogCriticalAgeMs: DEFAULTS.syncBacklogCriticalAgeMs,
    });
    expect([config.start, config.services, config.events, config.shutdown]).toEqual([[], [], [], []]);
  });

  it('empty sections are fine next to one that has an entry', () => {
    const config = valid(parseConfigText('SUPERVISOR:\nSTART:\nSHUTDOWN:\nDAEMON:\n  d: { cmd: /bin/sleep 9 }\n', 'x.yaml'));
    expect(config.shutdown).toEqual([]);
  });

  it('an entry with only `cmd` gets the SUPERVISOR timeouts and SIGQUIT', () => {
    const text = 'SUPERVISOR: { quit_timeout: 7s }\nDAEMON:\n  d: { cmd: /bin/sleep 9 }\nSERVICES:\n  s: { cmd: /bin/sleep 9 }\n';
    const config = valid(parseConfigText(text, 'x.yaml'));
    expect(config.daemons[0]).toMatchObject({ argv: ['/bin/sleep', '9'], env: {}, cwd: undefined, stopSignal: 'SIGQUIT', quitTimeoutMs: 7_000, termTimeoutMs: DEFAULTS.termTimeoutMs, wait: false, waitTimeoutMs: DEFAULTS.waitTimeoutMs, line: 3 });
    expect(config.services[0]).toMatchObject({ proto: 'tcp', prefork: DEFAULTS.prefork, maxchild: DEFAULTS.maxchild, babysit: false, line: 5 });
  });
});
