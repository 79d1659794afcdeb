import { describe, expect, it } from 'vitest';
import { diffConfigs } from '../../../src/config/diff.js';
import { parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { formatDiagnostic } from '../../../src/errors.js';

function config(text: string): Config {
  const r = parseConfigText(text, '/etc/quiesce/test.yaml', { env: { PATH: '' } });
  if (!r.ok) throw new Error(r.error.map(formatDiagnostic).join('\n'));
  return r.value;
}

const before = config(`
SUPERVISOR: { quit_timeout: 10s }
START:
  recover: { cmd: /bin/true }
SERVICES:
  imap: { cmd: /bin/sleep 1, listen: 1143 }
  pop3: { cmd: /bin/sleep 1, listen: 1110 }
EVENTS:
  checkpoint: { cmd: /bin/true, period: 30 }
DAEMON:
  syncclient: { cmd: /bin/sleep 1 }
SHUTDOWN:
  flush: { cmd: /bin/true }
`);

describe('diffConfigs', () => {
  it('finds nothing to do between a config and itself', () => {
    const d = diffConfigs(before, before);
    expect(d.supervisorChanged).toEqual([]);
    for (const section of [d.start, d.services, d.events, d.daemons, d.shutdown]) {
      expect([section.added, section.removed, section.changed]).toEqual([[], [], []]);
    }
    expect(d.services.unchanged.map((e) => e.name)).toEqual(['imap', 'pop3']);
  });

  it('sorts each section into added, removed, changed and unchanged by entry name', () => {
    const after = config(`
SUPERVISOR: { quit_timeout: 10s, progress_interval: 1s }
START:
  recover: { cmd: /bin/true }
  prune: { cmd: /bin/true }
SERVICES:
  imap: { cmd: /bin/sleep 1, listen: 1143, prefork: 2 }
  lmtp: { cmd: /bin/sleep 1, listen: /run/lmtp }
EVENTS:
  checkpoint: { cmd: /bin/true, period: 30m }
DAEMON:
  syncclient: { cmd: /bin/sleep 2 }
`);
    const d = diffConfigs(before, after);
    const names = <E extends { name: string }>(s: { added: E[]; removed: E[]; changed: { before: E; after: E }[]; unchanged: E[] }) => ({
      added: s.added.map((e) => e.name),
      removed: s.removed.map((e) => e.name),
      changed: s.changed.map((c) => c.after.name),
      unchanged: s.unchanged.map((e) => e.name),
    });
    expect(names(d.start)).toEqual({ added: ['prune'], removed: [], changed: [], unchanged: ['recover'] });
    expect(names(d.services)).toEqual({ added: ['lmtp'], removed: ['pop3'], changed: ['imap'], unchanged: [] });
    // `period: 30` (minutes) and `30m` are the same schedule.
    expect(names(d.events)).toEqual({ added: [], removed: [], changed: [], unchanged: ['checkpoint'] });
    expect(names(d.daemons)).toEqual({ added: [], removed: [], changed: ['syncclient'], unchanged: [] });
    expect(names(d.shutdown)).toEqual({ added: [], removed: ['flush'], changed: [], unchanged: [] });
    expect(d.services.changed[0]?.before.prefork).toBe(0);
    expect(d.services.changed[0]?.after.prefork).toBe(2);
    expect(d.supervisorChanged).toEqual(['progressIntervalMs']);
  });

  it('an entry that only moved to another line is unchanged', () => {
    const moved = config(`

SUPERVISOR: { quit_timeout: 10s }
SHUTDOWN:
  flush: { cmd: /bin/true }
DAEMON:
  syncclient: { cmd: /bin/sleep 1 }
EVENTS:
  checkpoint: { cmd: /bin/true, period: 30 }
SERVICES:
  pop3: { cmd: /bin/sleep 1, listen: 1110 }
  imap: { cmd: /bin/sleep 1, listen: 1143 }
START:
  recover: { cmd: /bin/true }
`);
    const d = diffConfigs(before, moved);
    expect(moved.daemons[0]?.line).not.toBe(before.daemons[0]?.line);
    expect([d.daemons.unchanged.length, d.services.unchanged.length, d.services.changed.length]).toEqual([1, 2, 0]);
  });

  it('a change of a supervisor-wide default changes the entries that inherit it', () => {
    const after = config(`
SUPERVISOR: { quit_timeout: 20s }
START:
  recover: { cmd: /bin/true }
SERVICES:
  imap: { cmd: /bin/sleep 1, listen: 1143 }
  pop3: { cmd: /bin/sleep 1, listen: 1110, quit_timeout: 10s }
EVENTS:
  checkpoint: { cmd: /bin/true, period: 30 }
DAEMON:
  syncclient: { cmd: /bin/sleep 1 }
SHUTDOWN:
  flush: { cmd: /bin/true }
`);
    const d = diffConfigs(before, after);
    expect(d.supervisorChanged).toEqual(['quitTimeoutMs']);
    expect(d.services.changed.map((c) => c.after.name)).toEqual(['imap']);
    expect(d.services.unchanged.map((e) => e.name)).toEqual(['pop3']);
  });
});
