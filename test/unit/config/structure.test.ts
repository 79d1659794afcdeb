import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { formatDiagnostic } from '../../../src/errors.js';

const SUPERVISOR_KEYS = [
  'pidfile, ready_file, user, group, log_file, quit_timeout, term_timeout, shutdown_timeout, start_timeout, progress_interval, restart_delay,',
  'restart_max_delay, restart_reset_after, restart_give_up, bin_dir, cyrus_config, listen_backlog, ready_fail_limit, ready_fail_interval,',
  'control_socket, report_file, metrics_port, graceful_signal, syslog_socket, pdeathsig, sync_drain_timeout,',
  'sync_backlog_interval, sync_backlog_warn_bytes, sync_backlog_warn_age, sync_backlog_critical_bytes, sync_backlog_critical_age',
].join(' ');

/** Diagnostics of an inline config (PATH fixed, so lookups do not depend on the machine). */
function problems(text: string): string[] {
  const r = parseConfigText(text, 'c.yaml', { env: { PATH: '/usr/bin:/bin' } });
  return r.ok ? [] : r.error.map(formatDiagnostic);
}

describe('the shape of the file', () => {
  it.each<[string, string, string[]]>([
    ['a top level that is a list', '- START\n', ['c.yaml:1:1: expected a mapping of sections (SUPERVISOR, START, SERVICES, EVENTS, DAEMON, SHUTDOWN), got a list']],
    ['a SUPERVISOR that is a scalar', 'SUPERVISOR: fast\n', ['c.yaml:1:13: SUPERVISOR: expected a mapping, got `fast`']],
    ['a section that is a scalar', 'EVENTS: 5\n', ['c.yaml:1:9: EVENTS: expected a mapping of entry names to entries, got `5`']],
    ['an entry that is empty', 'DAEMON:\n  d:\n', ['c.yaml:2:5: DAEMON.d: expected a mapping, got an empty value']],
    ['a `cmd` that is empty', 'DAEMON:\n  d: { cmd: }\n', ['c.yaml:2:13: DAEMON.d.cmd: expected a non-empty string, got an empty value']],
    ['a `cmd` that is a list', 'DAEMON:\n  d: { cmd: [a, b] }\n', ['c.yaml:2:13: DAEMON.d.cmd: expected a non-empty string, got a list']],
    ['an `env` that is a list', 'DAEMON:\n  d: { cmd: /bin/sh, env: [A] }\n', ['c.yaml:2:27: DAEMON.d.env: expected a mapping, got a list']],
    ['an unknown SUPERVISOR key', 'SUPERVISOR:\n  quit_timout: 5s\n', [`c.yaml:2:3: SUPERVISOR.quit_timout: unknown key \`quit_timout\`: did you mean \`quit_timeout\`? (expected one of: ${SUPERVISOR_KEYS})`]],
    ['a name used in three sections', 'START:\n  x: { cmd: /bin/sh }\nEVENTS:\n  x: { cmd: /bin/sh, period: 1 }\nSHUTDOWN:\n  x: { cmd: /bin/sh }\n', [
      'c.yaml:4:3: EVENTS.x: entry name `x` is already used in START (line 2)',
      'c.yaml:6:3: SHUTDOWN.x: entry name `x` is already used in START (line 2)',
    ]],
  ])('%s', (_, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('a broken `shell` does not make its shell command a missing program', () => {
    expect(problems('START:\n  s: { cmd: "echo hi | tee x", shell: yes }\n')).toEqual(['c.yaml:2:39: START.s.shell: expected true or false, got `yes`']);
  });

  it('a broken bin_dir does not make every relative program "not found"', () => {
    expect(problems('SUPERVISOR: { bin_dir: 5 }\nSERVICES:\n  imap: { cmd: imapd }\n')).toEqual(['c.yaml:1:24: SUPERVISOR.bin_dir: expected a non-empty string, got `5`']);
  });

  it('other broken SUPERVISOR keys do not stop the program lookup', () => {
    expect(problems('SUPERVISOR: { quit_timeout: x }\nSERVICES:\n  imap: { cmd: quiesce-nope }\n')).toEqual([
      'c.yaml:1:29: SUPERVISOR.quit_timeout: expected a duration like 500ms, 10s, 2m, 1h, got `x`',
      'c.yaml:3:16: SERVICES.imap.cmd: executable `quiesce-nope` not found in /usr/lib/cyrus/bin or PATH',
    ]);
  });

  it('keeps file order for entry names that look like numbers', () => {
    const r = parseConfigText('EVENTS:\n  b: { cmd: /bin/sh, period: 1 }\n  10: { cmd: /bin/sh, period: 1 }\n  a: { cmd: /bin/sh, period: 1 }\n', 'c.yaml');
    expect(r.ok ? r.value.events.map((e) => e.name) : r.error).toEqual(['b', '10', 'a']);
  });

  it('reads entries through YAML anchors and aliases', () => {
    const r = parseConfigText('DAEMON:\n  a: &base { cmd: /bin/sleep 1, wait: true }\n  b: *base\n', 'c.yaml');
    expect(r.ok ? r.value.daemons.map((e) => [e.name, e.wait]) : r.error).toEqual([
      ['a', true],
      ['b', true],
    ]);
  });
});
