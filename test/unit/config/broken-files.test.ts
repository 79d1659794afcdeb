import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { formatDiagnostic } from '../../../src/errors.js';

const ENTRY_KEYS = 'cmd, shell, env, cwd, stop_signal, user, quit_timeout, term_timeout';
const SERVICE_KEYS = `${ENTRY_KEYS}, listen, proto, prefork, maxchild, maxforkrate, babysit, maxfds`;
const SECTIONS = 'SUPERVISOR, START, SERVICES, EVENTS, DAEMON, SHUTDOWN';
const SUPERVISOR_KEYS = 'pidfile, ready_file, user, group, log_file, quit_timeout, term_timeout, shutdown_timeout, start_timeout, progress_interval, restart_delay, restart_max_delay, restart_reset_after, restart_give_up, bin_dir, cyrus_config, listen_backlog, ready_fail_limit, ready_fail_interval, control_socket, report_file, metrics_port, graceful_signal, syslog_socket, pdeathsig, sync_drain_timeout, sync_backlog_interval, sync_backlog_warn_bytes, sync_backlog_warn_age, sync_backlog_critical_bytes, sync_backlog_critical_age';
const DURATION = 'expected a duration like 500ms, 10s, 2m, 1h';
const LISTEN = 'expected a port, host:port, service name or socket path';

/** The formatted diagnostics of a broken fixture; PATH is fixed so lookups do not depend on the machine. */
function problems(kind: string): string[] {
  const r = loadConfigFile(`test/fixtures/conf/broken/${kind}.yaml`, { env: { PATH: '/usr/bin:/bin' } });
  if (r.ok) throw new Error(`${kind}.yaml loaded without diagnostics`);
  return r.error.map(formatDiagnostic);
}

describe('a broken config file is reported at the node each problem is about', () => {
  it.each<[string, string[]]>([
    ['unknown-key', [`2:34: SERVICES.imap.colour: unknown key \`colour\` (expected one of: ${SERVICE_KEYS})`]],
    ['unknown-section', [`3:1: SERVICE: unknown section \`SERVICE\`: did you mean \`SERVICES\`? (expected one of: ${SECTIONS})`]],
    [
      'wrong-type',
      [
        '2:19: SUPERVISOR.listen_backlog: expected a positive integer, got `0`',
        '6:14: SERVICES.imap.prefork: expected a non-negative integer, got `two`',
        '7:14: SERVICES.imap.babysit: expected true or false, got `yes`',
        '8:28: SERVICES.imap.env.DEBUG: expected a string, got `1`',
      ],
    ],
    [
      'negative-number',
      [
        '2:43: SERVICES.imap.prefork: expected a non-negative integer, got `-1`',
        '2:57: SERVICES.imap.maxchild: expected an integer >= -1 (-1 = unlimited), got `-2`',
      ],
    ],
    ['bad-duration', [`2:17: SUPERVISOR.quit_timeout: ${DURATION}, got \`10 parsecs\``, `4:54: DAEMON.syncclient.wait_timeout: ${DURATION}, got \`-5\``]],
    ['bad-signal', ['2:53: DAEMON.syncclient.stop_signal: unknown signal `SIGFOO`']],
    ['duplicate-name', ['4:3: DAEMON.imap: entry name `imap` is already used in SERVICES (line 2)']],
    ['duplicate-key', ['3:3: SERVICES.imap: key `imap` appears twice in this mapping (first at line 2)']],
    ['missing-cmd', ['2:12: START.recover.cmd: missing required key `cmd`']],
    [
      'missing-executable',
      [
        '2:16: SERVICES.imap.cmd: executable `quiesce-no-such-program` not found in /usr/lib/cyrus/bin or PATH',
        '4:17: SHUTDOWN.flush.cmd: executable `/nonexistent/quiesce-flush` not found',
      ],
    ],
    ['not-executable', ['2:18: START.passwd.cmd: `/etc/passwd` is not executable', '3:15: START.dir.cmd: `/tmp` is not a file']],
    ['yaml-syntax', ['3:3: Flow map in block collection must be sufficiently indented and end with a } (YAML BAD_INDENT)']],
    [
      'period-and-at',
      [
        '2:54: EVENTS.checkpoint.at: expected exactly one of `period`, `at` or `cron`, got two',
        '3:13: EVENTS.tlsprune: expected exactly one of `period`, `at` or `cron`, got none',
      ],
    ],
    [
      'bad-at',
      [
        '2:40: EVENTS.squatter.at: expected a time of day HHMM between 0000 and 2359, got `2460`',
        '3:42: EVENTS.expire.period: expected a positive duration (a bare number is minutes), got `0`',
      ],
    ],
    [
      'bad-listen',
      [
        '2:42: SERVICES.imap.listen: expected a port between 1 and 65535, got `127.0.0.1:99999`',
        `3:42: SERVICES.pop3.listen: ${LISTEN}, got \`::1:110\` (write an IPv6 host as [::1]:port)`,
        '4:43: SERVICES.sieve.listen: unknown service name `quiesce-no-such-service` (not a tcp service in /etc/services)',
      ],
    ],
    ['bad-proto', ['2:41: SERVICES.imap.proto: expected one of tcp, tcp4, tcp6, udp, udp4, udp6, got `sctp`']],
    ['bad-cmd', ["2:19: START.recover.cmd: unterminated single quote in `/bin/sh -c 'echo hi`", '3:17: START.blank.cmd: expected a non-empty string, got an empty string']],
    ['prefork-over-maxchild', ['2:43: SERVICES.imap.prefork: expected at most maxchild (2), got `5`']],
    [
      'not-a-mapping',
      ['2:3: START: expected a mapping of entry names to entries, got a list', '4:9: SERVICES.imap: expected a mapping, got `/bin/sleep 100`'],
    ],
    // issue 11: aliases, empty files, NUL bytes, names, bounds, socket paths, quotes, encodings
    ["alias-typo", ["3:10: alias `*bsae` refers to no anchor defined before it (write `&bsae` on an earlier value)"]],
    ["alias-forward", ["2:10: alias `*later` refers to no anchor defined before it (write `&later` on an earlier value)"]],
    ["alias-bomb", ["2:8: aliases copy their values more than 100 times in all (an alias bomb?); write the values out"]],
    ["empty", ["1:1: nothing to supervise: no entry in START, SERVICES, EVENTS, DAEMON, SHUTDOWN (an empty or cut-off file?)"]],
    ["comments-only", ["1:1: nothing to supervise: no entry in START, SERVICES, EVENTS, DAEMON, SHUTDOWN (an empty or cut-off file?)"]],
    ["supervisor-only", ["1:1: nothing to supervise: no entry in START, SERVICES, EVENTS, DAEMON, SHUTDOWN (an empty or cut-off file?)"]],
    ["nul-in-env", ["2:44: DAEMON.d.env.MODE: contains a NUL character (`\\0`), which no program, path or environment variable can hold"]],
    ["nul-in-shell-cmd", ["2:13: START.s.cmd: contains a NUL character (`\\0`), which no program, path or environment variable can hold"]],
    ["nul-in-name", ["2:3: DAEMON.d\\0x: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `d\\0x`"]],
    ["nul-in-path", ["2:12: SUPERVISOR.pidfile: contains a NUL character (`\\0`), which no program, path or environment variable can hold", "4:36: DAEMON.d.cwd: contains a NUL character (`\\0`), which no program, path or environment variable can hold"]],
    ["env-name", ["2:38: DAEMON.d.env.A=B: expected an environment variable name without `=`, got `A=B`", "2:50: DAEMON.d.env.: expected an environment variable name, got an empty string"]],
    ["name-control", ["2:3: DAEMON.d\\x1b[31mred: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `d\\x1b[31mred`", "3:3: DAEMON.two\\nlines: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `two\\nlines`", "4:3: DAEMON.bidi\\u202eevil: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `bidi\\u202eevil`"]],
    ["name-chars", ["2:3: DAEMON.with space: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `with space`", "3:3: DAEMON.-dash: expected an entry name of letters, digits, `-`, `_` and `.`, starting with a letter or digit, got `-dash`", "4:3: DAEMON.nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\u2026 (65 characters): expected an entry name of at most 64 characters, got `nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn\u2026 (65 characters)`"]],
    ["metrics-port", ["2:17: SUPERVISOR.metrics_port: expected a port number (0 = off) of at most 65535, got `70000`"]],
    ["huge-numbers", ["2:19: SUPERVISOR.listen_backlog: expected a positive integer of at most 65535, got `18446744073709552000`", "3:20: SUPERVISOR.restart_give_up: expected a non-negative integer of at most 1000000, got `1e+300`", "5:43: SERVICES.imap.prefork: expected a non-negative integer of at most 10000, got `20000`", "5:60: SERVICES.imap.maxchild: expected an integer >= -1 (-1 = unlimited) of at most 100000, got `1000000`", "5:82: SERVICES.imap.maxforkrate: expected a non-negative integer of at most 100000, got `1000000`", "5:99: SERVICES.imap.maxfds: expected a non-negative integer of at most 1048576, got `99999999`"]],
    ["huge-duration", ["2:17: SUPERVISOR.quit_timeout: expected a duration of at most 30 days, got `99999999999999999999h`", "4:37: EVENTS.e.period: expected a duration of at most 30 days, got `100000`"]],
    ["unix-path-long", ["2:42: SERVICES.lmtp.listen: `/run/cyrus/socket/socket/socket/socket/socket/socket/socket/\u2026 (113 characters)` is 113 bytes long, more than the 107 a Unix socket path can have (sockaddr_un)"]],
    ["control-socket-long", ["2:12: SUPERVISOR.pidfile: the control socket next to the pidfile, `/run/quiesce/deep/deep/deep/deep/deep/deep/deep/deep/deep/de\u2026 (123 characters)` is 123 bytes long, more than the 107 a Unix socket path can have (sockaddr_un); set SUPERVISOR.control_socket to a shorter path"]],
    ["unclosed-double-quote", ["2:16: this double-quoted string is never closed (YAML MISSING_CHAR)"]],
    ["unclosed-single-quote", ["2:13: this single-quoted string is never closed: it runs on to line 3 (YAML MISSING_CHAR)"]],
    ['misspelt-key', [
      `2:3: SUPERVISOR.quit_timout: unknown key \`quit_timout\`: did you mean \`quit_timeout\`? (expected one of: ${SUPERVISOR_KEYS})`,
      `4:34: SERVICES.imap.perfork: unknown key \`perfork\`: did you mean \`prefork\`? (expected one of: ${SERVICE_KEYS})`,
    ]],
    ['misspelt-section', [`1:1: DEAMON: unknown section \`DEAMON\`: did you mean \`DAEMON\`? (expected one of: ${SECTIONS})`]],
    ["multi-document", ["3:1: a config file is one YAML document; this `---` starts a second one (YAML MULTIPLE_DOCS)"]],
    ["tab-indent", ["2:1: Tabs are not allowed as indentation (YAML TAB_AS_INDENT)"]],
    ["bad-value-excerpt", ["2:43: SERVICES.imap.prefork: expected a non-negative integer, got `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\u2026 (504 characters)`"]],
    ["binary", ["3:1: not a text file: a NUL byte at line 3, column 1 (a config file is UTF-8 text)"]],
    ["latin1", ["2:6: not a text file: a byte that is not UTF-8 at line 2, column 6 (a config file is UTF-8 text)"]],
  ])('%s', (kind, expected) => {
    expect(problems(kind)).toEqual(expected.map((d) => `test/fixtures/conf/broken/${kind}.yaml:${d}`));
  });

  it('reports every problem of a file, not only the first, in file order', () => {
    const f = 'test/fixtures/conf/broken/many-problems.yaml';
    expect(problems('many-problems')).toEqual([
      `${f}:3:17: SUPERVISOR.term_timeout: ${DURATION}, got \`soon\``,
      `${f}:4:20: SUPERVISOR.restart_give_up: expected a non-negative integer, got \`-1\``,
      `${f}:6:44: START.recover.timeout: ${DURATION}, got \`5 minutes\``,
      `${f}:8:16: SERVICES.imap.cmd: executable \`quiesce-no-such-imapd\` not found in /usr/lib/cyrus/bin or PATH`,
      `${f}:8:49: SERVICES.imap.listen: ${LISTEN}, got \`imap:\``,
      `${f}:9:42: SERVICES.lmtp.maxfds: expected a non-negative integer, got \`1.5\``,
      `${f}:9:47: SERVICES.lmtp.colour: unknown key \`colour\` (expected one of: ${SERVICE_KEYS})`,
      `${f}:11:15: EVENTS.checkpoint: expected exactly one of \`period\`, \`at\` or \`cron\`, got none`,
      `${f}:13:3: DAEMON.imap: entry name \`imap\` is already used in SERVICES (line 8)`,
      `${f}:13:47: DAEMON.imap.stop_signal: unknown signal \`QUITE\``,
      `${f}:13:60: DAEMON.imap.wait: expected true or false, got \`no\``,
      `${f}:15:47: SHUTDOWN.flush.env.FORCE: expected a string, got \`true\``,
      `${f}:16:1: EXTRA: unknown section \`EXTRA\` (expected one of: ${SECTIONS})`,
    ]);
  });
});

describe('problems outside the file contents', () => {
  it('an unreadable file is one diagnostic at 1:1', () => {
    const r = loadConfigFile('test/fixtures/conf/broken/no-such-file.yaml');
    expect(r.ok ? [] : r.error.map(formatDiagnostic)).toEqual(['test/fixtures/conf/broken/no-such-file.yaml:1:1: cannot read the config file (ENOENT)']);
  });

  it('a program that is not found is no problem when executables are not checked', () => {
    const r = loadConfigFile('test/fixtures/conf/broken/missing-executable.yaml', { checkExecutables: false });
    expect(r.ok ? r.value.services[0]?.argv : r.error).toEqual(['/usr/lib/cyrus/bin/quiesce-no-such-program', '-U', '30']);
  });
});
