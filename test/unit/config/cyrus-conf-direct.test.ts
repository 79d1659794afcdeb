// A cyrus.conf read directly: it runs as its conversion would, every diagnostic points at the
// cyrus.conf line, what Cyrus ignores is a warning, and master's flags give the SUPERVISOR settings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSource } from '../../../src/config/command-line.js';
import { parseConfigText, type LoadOptions } from '../../../src/config/load.js';
import { formatDiagnostic } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'quiesce-cyrusconf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const imapd = join(dir, 'imapd.conf');
writeFileSync(imapd, `configdirectory: ${join(dir, 'cyrus')}\nmaster_ready_file: ${join(dir, 'run', 'ready')}\n`);

const CONF = `# a cyrus.conf
START {
  recover   cmd="/bin/true"
}
SERVICES {
  imap      cmd="/bin/sleep 9" listen="127.0.0.1:1143" prefork=2 foo=bar
  notify    cmd="/bin/sleep 9" listen="${dir}/notify" proto="udp" prefork=1
}
EVENTS {
  tick      cmd="/bin/true" cron="*/5 * * * mon-fri"
  nightly   cmd="/bin/true" at=0401
}
SHUTDOWN {
  flush     cmd="/bin/true" timeout=30s
}
`;

function load(text: string, opts: LoadOptions = {}) {
  return parseConfigText(text, join(dir, 'cyrus.conf'), { checkExecutables: false, ...opts });
}

describe('a cyrus.conf read directly', () => {
  it('runs as its conversion would: every section, SHUTDOWN included, datagram services and cron events', () => {
    const r = load(CONF, { commandLine: { values: { cyrus_config: imapd }, origins: { cyrus_config: '-C' } } });
    if (!r.ok) throw new Error(r.error.map(formatDiagnostic).join('\n'));
    const c = r.value;
    expect(c.services.map((s) => [s.name, s.proto, s.prefork])).toEqual([['imap', 'tcp', 2], ['notify', 'udp', 1]]);
    expect(c.events.map((e) => e.schedule)).toEqual([{ kind: 'cron', expression: '*/5 * * * mon-fri' }, { kind: 'at', hour: 4, minute: 1 }]);
    expect(c.shutdown.map((e) => [e.name, e.timeoutMs])).toEqual([['flush', 30_000]]);
    expect(c.warnings.map(formatDiagnostic)).toEqual([`${join(dir, 'cyrus.conf')}:6:66: SERVICES.imap.foo: unknown cyrus.conf key \`foo\`, dropped`]);
    // the Cyrus instance: master's pidfile and ready file, the Cyrus user
    expect([c.supervisor.pidfile, c.supervisor.readyFile, c.supervisor.user]).toEqual([join(dir, 'cyrus', 'master.pid'), join(dir, 'run', 'ready'), 'cyrus']);
  });

  it('points every problem at the cyrus.conf line and key it is about', () => {
    const r = load(CONF.replace('prefork=2', 'prefork=20000').replace('cron="*/5 * * * mon-fri"', 'cron="*/5 * * * mon-fry"'));
    expect(r.ok ? [] : r.error.map((d) => `${d.line}:${d.col}: ${d.path}`)).toEqual(['6:56: SERVICES.imap.prefork', '10:29: EVENTS.tick.cron']);
    expect(r.ok ? '' : r.error[0]?.message).toBe('expected a non-negative integer of at most 10000, got `20000`');
  });

  it('refuses what Cyrus master refuses (a bad name, a second SERVICES entry of one name)', () => {
    const r = load(CONF.replace('notify    cmd', 'imap      cmd').replace('tick      cmd', 'tick_1    cmd'));
    expect(r.ok ? [] : r.error.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      '7:3: a second SERVICES entry named `imap` is refused by Cyrus master, dropped',
      '10:7: bad character `_` in entry name `tick_1` (only letters and digits); Cyrus master refuses this file, line not converted',
    ]);
  });
});

describe("master's command line", () => {
  it('-C -l -p -r and --set become SUPERVISOR settings; a bad one is named by its option', () => {
    const src = configSource({ masterConf: join(dir, 'cyrus.conf'), imapdConf: imapd, listenQueue: 'lots', pidfile: join(dir, 'm.pid'), set: ['quit_timeout=5s', 'nope=1'] });
    if (!src.ok) throw new Error(src.error);
    expect(src.value.args).toEqual(['-c', join(dir, 'cyrus.conf'), '--set', 'quit_timeout=5s', '--set', 'nope=1', '-C', imapd, '-l', 'lots', '-p', join(dir, 'm.pid')]);
    const r = load(CONF, { commandLine: src.value.commandLine });
    expect(r.ok ? [] : r.error.map(formatDiagnostic)).toEqual([
      'command line:1:1: -l: expected a positive integer, got `lots`',
      'command line:1:1: --set nope: unknown key `nope` (expected one of: pidfile, ready_file, user, group, log_file, quit_timeout, term_timeout, shutdown_timeout, start_timeout, progress_interval, restart_delay, restart_max_delay, restart_reset_after, restart_give_up, bin_dir, cyrus_config, listen_backlog, ready_fail_limit, ready_fail_interval, control_socket, report_file, metrics_port, graceful_signal, syslog_socket, pdeathsig, sync_drain_timeout, sync_backlog_interval, sync_backlog_warn_bytes, sync_backlog_warn_age, sync_backlog_critical_bytes, sync_backlog_critical_age)',
    ]);
  });

  it('the pidfile: -p, else SUPERVISOR.pidfile, else imapd.conf master_pid_file, else {configdirectory}/master.pid, else named after the config', () => {
    const withPid = join(dir, 'with-pid.conf');
    writeFileSync(withPid, `configdirectory: ${join(dir, 'cyrus')}\nmaster_pid_file: ${join(dir, 'imapd.pid')}\n`);
    const yaml = (supervisor: string) => `SUPERVISOR: { ${supervisor} }\nDAEMON:\n  d: { cmd: /bin/sleep 9 }\n`;
    const pidfile = (text: string, values: Record<string, unknown> = {}) => {
      const r = parseConfigText(text, join(dir, 'q.yaml'), { checkExecutables: false, commandLine: { values, origins: {} } });
      if (!r.ok) throw new Error(r.error.map(formatDiagnostic).join('\n'));
      return r.value.supervisor.pidfile;
    };
    expect(pidfile(yaml(`cyrus_config: ${withPid}, pidfile: /run/a.pid`), { pidfile: '/run/p.pid' })).toBe('/run/p.pid');
    expect(pidfile(yaml(`cyrus_config: ${withPid}, pidfile: /run/a.pid`))).toBe('/run/a.pid');
    expect(pidfile(yaml(`cyrus_config: ${withPid}`))).toBe(join(dir, 'imapd.pid'));
    expect(pidfile(yaml(`cyrus_config: ${imapd}`))).toBe(join(dir, 'cyrus', 'master.pid'));
    expect(pidfile(yaml('quit_timeout: 5s'))).toBe('/run/quiesce/q.pid');
  });
});
