import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertCyrusConf } from '../../../src/convert/cyrus-conf.js';
import { formatDiagnostic } from '../../../src/errors.js';

const fixture = (name: string): string => `test/fixtures/cyrus-conf/${name}`;
const convert = (name: string): { object: unknown; yaml: string; problems: string[]; notes: string[] } => {
  const file = fixture(name);
  const r = convertCyrusConf(readFileSync(file, 'utf8'), file);
  return { object: parse(r.yaml), yaml: r.yaml, problems: r.problems.map(formatDiagnostic), notes: r.notes.map(formatDiagnostic) };
};

describe('convertCyrusConf', () => {
  it('converts a Debian-like file entry for entry, renaming a START entry that an EVENTS entry shares', () => {
    const { object, problems, notes } = convert('debian-like.conf');
    expect(problems).toEqual([]);
    expect(notes).toEqual([
      `${fixture('debian-like.conf')}:12:2: START.delprune: \`delprune\` also names an entry in EVENTS and quiesce names are unique across sections: renamed \`delprune-start\``,
    ]);
    expect(object).toEqual({
      START: {
        recover: { cmd: '/usr/sbin/cyrus ctl_cyrusdb -r' },
        'delprune-start': { cmd: '/usr/sbin/cyrus expire -E 3' },
      },
      SERVICES: {
        imap: { cmd: 'imapd -U 30', listen: 'imap', prefork: 0, maxchild: 100 },
        pop3: { cmd: 'pop3d -U 30', listen: 'pop3', prefork: 0, maxchild: 50 },
        http: { cmd: 'httpd -U 30', listen: '8008', prefork: 0, maxchild: 100 },
        lmtpunix: { cmd: 'lmtpd', listen: '/run/cyrus/socket/lmtp', prefork: 0, maxchild: 20 },
        sieve: { cmd: 'timsieved', listen: 'localhost:sieve', prefork: 0, maxchild: 100 },
        notify: { cmd: 'notifyd', listen: '/run/cyrus/socket/notify', proto: 'udp', prefork: 1 },
      },
      EVENTS: {
        checkpoint: { cmd: '/usr/sbin/cyrus ctl_cyrusdb -c', period: 30 },
        delprune: { cmd: '/usr/sbin/cyrus expire -E 3', at: '0401' },
        deleteprune: { cmd: '/usr/sbin/cyrus expire -E 4 -D 28', at: '0430' },
      },
    });
  });

  it('keeps comment blocks above their entries and converts commented-out entries', () => {
    const { yaml } = convert('debian-like.conf');
    expect(yaml).toContain(
      [
        '# UNIX sockets start with a slash',
        'SERVICES:',
        '  # --- Normal cyrus spool ---',
        '  imap: { cmd: "imapd -U 30", listen: "imap", prefork: 0, maxchild: 100 }',
        '  #imaps: { cmd: "imapd -s -U 30", listen: "imaps", prefork: 0, maxchild: 100 }',
      ].join('\n'),
    );
    expect(yaml).toContain('  # mupdate database service - must prefork at least 1\n  #mupdate: { cmd: "mupdate -m", listen: "3905", prefork: 1 }\n');
    // the trailing comment block of a section stays inside it, after its last entry
    expect(yaml).toContain('  notify: { cmd: "notifyd", listen: "/run/cyrus/socket/notify", proto: "udp", prefork: 1 }\n');
    expect(yaml).toMatch(/ {2}# -{46}\n\nEVENTS:/);
    // an empty comment line stays a bare `#`; a commented-out entry master would refuse stays as written
    expect(yaml).toContain('# see cyrus.conf(5)\n#\n\nSTART:\n  # do not delete this entry!\n');
    expect(yaml).toContain('  #squatter_a\tcmd="/usr/sbin/cyrus squatter" at=0517\n');
  });

  it('starts with a header naming the file and saying that commands keep their own -C', () => {
    const { yaml } = convert('services.conf');
    expect(yaml.split('\n')[0]).toBe('# quiesce config converted from test/fixtures/cyrus-conf/services.conf by `quiesce convert`.');
    expect(yaml).toContain('# Cyrus master did not pass its own -C option to its children, and quiesce does not either:');
    expect(yaml).not.toContain('problem(s)');
  });

  it('converts every SERVICES and DAEMON value form: listen addresses, protos, switches, limits', () => {
    const { object, yaml, problems } = convert('services.conf');
    expect(problems).toEqual([]);
    expect(object).toEqual({
      SERVICES: {
        imap: { cmd: 'imapd -C /etc/imapd-a.conf', listen: '[::1]:143', proto: 'tcp6', prefork: 2 },
        imap4: { cmd: 'imapd', listen: '127.0.0.1:1143', proto: 'tcp4' },
        lmtpunix: { cmd: 'lmtpd -a', listen: '/run/cyrus/socket/lmtp', prefork: 1, maxchild: -1 },
        mupdate: { cmd: 'mupdate -m', listen: '3905', prefork: 1, maxforkrate: 10, babysit: true },
        sieve: { cmd: 'timsieved', listen: 'localhost:sieve', maxchild: 5, babysit: false },
        imaps: { cmd: 'imapd -s', listen: 'imaps', babysit: true, maxfds: 1024 },
        fud: { cmd: 'fud', listen: '4201', proto: 'udp', prefork: 1, babysit: false },
      },
      DAEMON: {
        syncclient: { cmd: 'sync_client -r -n replica', wait: false },
        idled: { cmd: 'idled', wait: true },
      },
    });
    expect(yaml).toContain('SERVICES:\n  # lower-case section names work too\n  imap: ');
    expect(yaml).toContain('  imap4: { cmd: "imapd", listen: "127.0.0.1:1143", proto: "tcp4" } # unquoted cmd\n');
    expect(yaml).toContain('  fud: { cmd: "fud", listen: "4201", proto: "udp", prefork: 1, babysit: false }\n  # end of services\n');
  });

  it('converts period to minutes and at / daily cron to a quoted "HHMM"', () => {
    const { object, yaml, problems } = convert('events.conf');
    expect(problems).toEqual([]);
    expect(object).toEqual({
      START: { recover: { cmd: 'ctl_cyrusdb -r' } },
      EVENTS: {
        checkpoint: { cmd: 'ctl_cyrusdb -c', period: 30 },
        squatter: { cmd: 'squatter -s', period: 180 },
        delprune: { cmd: 'cyr_expire -E 3', at: '0400' },
        tlsprune: { cmd: 'tls_prune', at: '0400' },
        midnight: { cmd: 'cyr_expire -E 4', at: '0000' },
        expire: { cmd: 'cyr_expire -E 4 -D 28', at: '0430' },
      },
    });
    expect(yaml).toContain('  tlsprune: { cmd: "tls_prune", at: "0400" }\n');
  });

  it('reports every refused, ignored or lost thing with file:line:col and key path, and notes the rest', () => {
    const { problems, notes } = convert('problems.conf');
    const f = fixture('problems.conf');
    expect(problems).toEqual([
      `${f}:3:35: START.recover.listen: Cyrus does not read \`listen\` in START, dropped`,
      `${f}:5:3: START.empty: no \`cmd\`, so Cyrus master refuses this entry, dropped`,
      `${f}:10:40: SERVICES.imap.foo: unknown cyrus.conf key \`foo\`, dropped`,
      `${f}:10:58: SERVICES.imap.prefork: \`prefork\` is given twice and Cyrus reads only the first, dropped`,
      `${f}:11:3: SERVICES.imap: a second SERVICES entry named \`imap\` is refused by Cyrus master, dropped`,
      `${f}:12:40: SERVICES.pop3.prefork: expected an integer, got \`many\`; Cyrus uses the default 0, dropped`,
      `${f}:12:66: SERVICES.pop3.babysit: cannot read \`2\` as a switch (Cyrus reads 0/1, yes/no, on/off, true/false, lower case); Cyrus uses the default false, dropped`,
      `${f}:14:3: SERVICES.nolisten: no \`listen\`, so Cyrus master refuses this service, dropped`,
      `${f}:15:11: SERVICES: bad character \`_\` in entry name \`squatter_1\` (only letters and digits); Cyrus master refuses this file, line not converted`,
      `${f}:16:18: SERVICES: missing closing \`"\` for \`cmd\` (a \`#\` ends the line, even inside quotes); Cyrus master refuses this file, line not converted`,
      `${f}:17:40: SERVICES: bad character \`-\` in argument, expected \`key=value\`; Cyrus master refuses this file, line not converted`,
      `${f}:21:3: EVENTS.once: without a \`period\` of at least 1 or an \`at\`, Cyrus runs an event once at startup; quiesce has no such schedule, entry dropped`,
      `${f}:22:38: EVENTS.both.period: \`period\` is ignored by Cyrus when \`at\` is set, dropped`,
      `${f}:23:36: EVENTS.badat.at: \`at=2460\` is not a time HHMM, so Cyrus ignores it, dropped`,
      `${f}:25:47: EVENTS.crondaily.at: \`at\` is ignored by Cyrus when \`cron\` is set, dropped`,
      `${f}:29:26: DAEMON.idled.maxforkrate: \`maxforkrate\` has no quiesce equivalent in DAEMON (quiesce restarts a daemon with a backoff instead, see SUPERVISOR.restart_delay), dropped`,
      `${f}:29:40: DAEMON.idled.maxfds: \`maxfds\` has no quiesce equivalent in DAEMON (quiesce sets maxfds on SERVICES only), dropped`,
      `${f}:29:50: DAEMON.idled.wait: cannot read \`maybe\` as a switch (Cyrus reads 0/1, yes/no, on/off, true/false, lower case); Cyrus uses the default false, dropped`,
      `${f}:32:1: a second \`SERVICES\` section is ignored by Cyrus (it reads only the first), skipped`,
      `${f}:36:1: text outside a section is ignored by Cyrus, dropped`,
      `${f}:38:1: unknown section \`LOGGING\` is ignored by Cyrus (it reads START, SERVICES, EVENTS, DAEMON; quiesce also SHUTDOWN), skipped`,
    ]);
    expect(notes).toEqual([
      `${f}:4:3: START.recover: a second START entry named \`recover\` is renamed \`recover2\`, as YAML keys are unique`,
      `${f}:6:3: START.sync: \`sync_client -r\` in START forks into the background and nothing supervises it; move it to DAEMON, where quiesce stops it after the services and before SHUTDOWN`,
      `${f}:12:53: SERVICES.pop3.maxchild: \`10x\` is read as 10 by Cyrus`,
    ]);
  });

  it('still writes YAML for what converts, and notes each problem where it happened', () => {
    const { object, yaml } = convert('problems.conf');
    expect(object).toEqual({
      START: { recover: { cmd: 'ctl_cyrusdb -r' }, recover2: { cmd: 'ctl_cyrusdb -c' }, sync: { cmd: 'sync_client -r -n replica' } },
      SERVICES: {
        imap: { cmd: 'imapd', listen: 'imap', prefork: 2 },
        pop3: { cmd: 'pop3d', listen: 'pop3', maxchild: 10 },
        notify6: { cmd: 'notifyd', listen: '[::1]:2000', proto: 'udp6' },
      },
      EVENTS: {
        both: { cmd: 'tls_prune', at: '0401' },
        badat: { cmd: 'cyr_expire -E 3', period: 1440 },
        cronny: { cmd: 'tls_prune', cron: '*/30 * * * *' },
        crondaily: { cmd: 'tls_prune', at: '0400' },
      },
      DAEMON: { idled: { cmd: 'idled' } },
    });
    expect(yaml).toContain('# 21 problem(s) (not carried over) and 3 note(s): see the lines starting with "# quiesce convert:".');
    expect(yaml).toContain(
      [
        '  # quiesce convert: bad character `_` in entry name `squatter_1` (only letters and digits); Cyrus master refuses this file, line not converted',
        '  #  squatter_1 cmd="squatter -s"',
      ].join('\n'),
    );
    expect(yaml).toContain('# quiesce convert: unknown section `LOGGING` is ignored by Cyrus (it reads START, SERVICES, EVENTS, DAEMON; quiesce also SHUTDOWN), skipped\n#LOGGING {\n');
  });

  it('writes an empty section as `{}` with its comments, and a CRLF file like an LF one', () => {
    const text = 'DAEMON {\r\n  # only with idled\r\n#  idled         cmd="idled"\r\n}\r\n';
    const r = convertCyrusConf(text, 'crlf.conf');
    expect(r.problems).toEqual([]);
    expect(parse(r.yaml)).toEqual({ DAEMON: {} });
    expect(r.yaml).toContain('DAEMON:\n  # only with idled\n  #  idled: { cmd: "idled" }\n  {}\n');
  });

  it('keeps SERVICES and DAEMON names, which are their CYRUS_SERVICE, and renames EVENTS and START ones', () => {
    const text = 'START {\n  a cmd="x"\n  b cmd="x"\n}\nEVENTS {\n  a cmd="y" period=1\n}\nSERVICES {\n  a cmd="z" listen=1\n  b cmd="z" listen=2\n}\n';
    const r = convertCyrusConf(text, 'shared.conf');
    expect(r.problems).toEqual([]);
    expect(r.notes.map(formatDiagnostic)).toEqual([
      'shared.conf:2:3: START.a: `a` also names an entry in SERVICES and quiesce names are unique across sections: renamed `a-start`',
      'shared.conf:3:3: START.b: `b` also names an entry in SERVICES and quiesce names are unique across sections: renamed `b-start`',
      'shared.conf:6:3: EVENTS.a: `a` also names an entry in SERVICES and quiesce names are unique across sections: renamed `a-event`',
    ]);
    expect(parse(r.yaml)).toEqual({
      START: { 'a-start': { cmd: 'x' }, 'b-start': { cmd: 'x' } },
      EVENTS: { 'a-event': { cmd: 'y', period: 1 } },
      SERVICES: { a: { cmd: 'z', listen: '1' }, b: { cmd: 'z', listen: '2' } },
    });
  });

  it('quotes entry names YAML would read as numbers, null or booleans', () => {
    const r = convertCyrusConf('START {\n  123 cmd="a"\n  null cmd="b"\n  true cmd="c"\n}\n', 'names.conf');
    expect(parse(r.yaml)).toEqual({ START: { '123': { cmd: 'a' }, null: { cmd: 'b' }, true: { cmd: 'c' } } });
  });

  it('reads an unclosed last section to the end of the file, as master does', () => {
    const r = convertCyrusConf('START {\n  recover cmd="ctl_cyrusdb -r"\n', 'open.conf');
    expect(r.problems).toEqual([]);
    expect(parse(r.yaml)).toEqual({ START: { recover: { cmd: 'ctl_cyrusdb -r' } } });
  });

  it('skips a section whose `{` is on the next line, as master does', () => {
    const r = convertCyrusConf('START\n{\n  recover cmd="ctl_cyrusdb -r"\n}\n', 'brace.conf');
    expect(r.problems.map(formatDiagnostic)).toEqual([
      'brace.conf:1:1: `START` is not followed by `{` on its own line, so Cyrus skips this section, skipped',
      'brace.conf:2:1: a `{` that does not follow a section name on its line opens a block Cyrus skips, skipped',
    ]);
    expect(parse(r.yaml)).toEqual({});
  });
});
