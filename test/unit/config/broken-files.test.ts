import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { formatDiagnostic } from '../../../src/errors.js';

const ENTRY_KEYS = 'cmd, shell, env, cwd, stop_signal, quit_timeout, term_timeout';
const SERVICE_KEYS = `${ENTRY_KEYS}, listen, proto, prefork, maxchild, maxforkrate, babysit, maxfds`;
const SECTIONS = 'SUPERVISOR, START, SERVICES, EVENTS, DAEMON, SHUTDOWN';
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
    ['unknown-section', [`3:1: SERVICE: unknown section \`SERVICE\` (expected one of: ${SECTIONS})`]],
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
    ['duplicate-key', ['3:3: Map keys must be unique (YAML DUPLICATE_KEY)']],
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
        '2:54: EVENTS.checkpoint.at: expected exactly one of `period` or `at`, got both',
        '3:13: EVENTS.tlsprune: expected exactly one of `period` or `at`, got neither',
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
    ['bad-proto', ['2:41: SERVICES.imap.proto: expected one of tcp, tcp4, tcp6, udp, got `sctp`']],
    ['bad-cmd', ["2:19: START.recover.cmd: unterminated single quote in `/bin/sh -c 'echo hi`", '3:17: START.blank.cmd: expected a non-empty string, got an empty string']],
    ['prefork-over-maxchild', ['2:43: SERVICES.imap.prefork: expected at most maxchild (2), got `5`']],
    [
      'not-a-mapping',
      ['2:3: START: expected a mapping of entry names to entries, got a list', '4:9: SERVICES.imap: expected a mapping, got `/bin/sleep 100`'],
    ],
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
      `${f}:11:15: EVENTS.checkpoint: expected exactly one of \`period\` or \`at\`, got neither`,
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
