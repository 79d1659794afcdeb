import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../src/control/status-table.js';
import { formatDuration } from '../../../src/text.js';
import { snapshot } from './fake-host.js';

describe('renderStatus', () => {
  it('shows the phase, uptime and one aligned row per entry', () => {
    expect(renderStatus(snapshot('running'))).toBe(
      [
        'quiesce 0.1.0, pid 4242, config /etc/quiesce/cyrus.yaml',
        'phase running for 1m05s, up 1h02m, config generation 1',
        '',
        'ENTRY       SECTION   STATE    PIDS                READY  BUSY  RESTARTS  LAST EXIT    LISTEN',
        'imap        SERVICES  running  101,102,103,104 +1  3      2     7         exit code 0  0.0.0.0:143',
        'syncclient  DAEMON    running  201                 -      -     0         -            -',
      ].join('\n'),
    );
  });

  it('shows the sync log backlog per channel, and every user sync_client skips', () => {
    const replication = {
      level: 'warn' as const, checkedAgoMs: 2_000,
      channels: [
        { channel: '', level: 'warn', files: 2, bytes: 840, lines: 21, oldestAgeMs: 65_000, skippedUsers: ['bob'], syncErrors: 0, failing: [] },
        { channel: 'east', level: 'ok', files: 0, bytes: 0, lines: 0, oldestAgeMs: null, skippedUsers: [], syncErrors: 0, failing: [] },
      ],
    };
    expect(renderStatus({ ...snapshot('running'), replication }).split('\n').slice(-5)).toEqual([
      'sync log backlog: WARN (checked 2s ago)',
      'CHANNEL    LEVEL  FILES  LINES  BYTES  OLDEST',
      '(default)  warn   2      21     840    1m05s',
      'east       ok     0      0      0      -',
      'channel (default): user bob NOT replicated: sync_client skips it (skipuser file)',
    ]);
  });

  it('names every mailbox the rolling sync_client fails on, since when, and how to replay it', () => {
    const replication = {
      level: 'ok' as const, checkedAgoMs: 1_000,
      channels: [{
        channel: 'east', level: 'ok', files: 1, bytes: 40, lines: 2, oldestAgeMs: 3_000, skippedUsers: [], syncErrors: 15,
        failing: [
          { mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation', count: 3, sinceAgoMs: 12_000, replay: 'sync_client -C /etc/imapd.conf -n east -u alice' },
          { mailbox: null, user: null, reason: 'Error in do_sync(): bailing out! System I/O error', count: 12, sinceAgoMs: 12_000, replay: 'sync_client -C /etc/imapd.conf -n east -R -1' },
        ],
      }],
    };
    expect(renderStatus({ ...snapshot('running'), replication }).split('\n').slice(-2)).toEqual([
      'channel east: mailbox user.alice (user alice) FAILING for 12s (3 line(s), last: The remote Server(s) denied the operation); replay with: sync_client -C /etc/imapd.conf -n east -u alice',
      'channel east: a sync batch FAILING for 12s (12 line(s), last: Error in do_sync(): bailing out! System I/O error); replay with: sync_client -C /etc/imapd.conf -n east -R -1',
    ]);
  });

  it('says so when there are no entries', () => {
    expect(renderStatus({ ...snapshot(), units: [] })).toContain('(no entries)');
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [12_400, '12s'],
    [185_000, '3m05s'],
    [7_620_000, '2h07m'],
    [273_600_000, '3d04h'],
  ])('%d ms -> %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
