// The failures of each channel: one per mailbox (or user, or batch), counted, with its replay
// command, and settled only by a read that finds no log-run and started after the last failure.
import { describe, expect, it } from 'vitest';
import { syncLineOf } from '../../../src/replication/sync-error-line.js';
import { describeFailure, SyncErrors } from '../../../src/replication/sync-errors.js';
import type { Channel, ChannelBacklog, PendingFile } from '../../../src/replication/sync-dir.js';

const channel = (name: string): Channel => ({
  name, logPath: `/c/sync/${name}/log`, runPath: `/c/sync/${name}/log-run`, consumer: 'sync_client', confFile: '/etc/imapd.conf', syncHost: 'replica', syncPort: undefined, shutdownFile: undefined, syncClient: '/usr/lib/cyrus/bin/sync_client',
});
const MAIN = channel('');
const EAST = channel('east');

const file = (kind: PendingFile['kind']): PendingFile => ({ kind, path: `/c/sync/${kind}`, bytes: 10, lines: 1, bornMs: 0, modifiedMs: 0, ino: 1 });
const backlog = (name: string, pending: PendingFile[], error?: string): ChannelBacklog => ({
  channel: name, files: pending.map((f) => f.path), pending, bytes: 0, lines: 0, oldestAgeMs: undefined, skipped: [], replay: '', error,
});

const FAILED = "do_folders(): update failed: user.alice 'The remote Server(s) denied the operation'";
const BAILED = 'Error in do_sync(): bailing out! The remote Server(s) denied the operation';

function record(errors: SyncErrors, c: Channel, line: string, atMs: number) {
  const parsed = syncLineOf(line);
  if (parsed === undefined) throw new Error(`not a sync line: ${line}`);
  return errors.record(c, parsed, atMs);
}

describe('SyncErrors', () => {
  it('keeps one failure per mailbox and channel, new once, counting every line, with the user and the replay command', () => {
    const errors = new SyncErrors();
    expect(record(errors, MAIN, BAILED, 999)?.isNew).toBe(true);
    expect(errors.of('').failing).toEqual([
      { channel: '', mailbox: undefined, user: undefined, reason: BAILED, firstMs: 999, lastMs: 999, count: 1, replay: '/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -R -1' },
    ]);
    expect(record(errors, MAIN, FAILED, 1_000)?.isNew).toBe(true);
    expect(record(errors, MAIN, FAILED, 1_005)?.isNew).toBe(false);
    expect(record(errors, MAIN, BAILED, 1_006)?.isNew).toBe(false);
    expect(record(errors, EAST, FAILED, 1_007)?.isNew).toBe(true);
    // the batch failed because of user.alice: once a mailbox is named, the batch is not listed again
    expect(errors.of('')).toEqual({
      total: 4,
      failing: [
        { channel: '', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation', firstMs: 1_000, lastMs: 1_005, count: 2, replay: '/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -u alice' },
      ],
    });
    expect(errors.of('east').failing[0]?.replay).toBe('/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -n east -u alice');
    expect(errors.failing()).toHaveLength(2);
  });

  it('replays a shared mailbox with -m, and takes the user of a mailbox it cannot read from sync_client\'s Promoting line', () => {
    const errors = new SyncErrors();
    record(errors, MAIN, "do_folders(): update failed: shared.news 'System I/O error'", 1);
    expect(errors.of('').failing[0]?.replay).toBe('/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -m shared.news');
    record(errors, MAIN, "do_folders(): update failed: odd/name 'System I/O error'", 2);
    expect(record(errors, MAIN, '  Promoting: MAILBOX odd/name -> USER odd', 3)).toBeUndefined();
    expect(errors.of('').failing[1]).toMatchObject({ mailbox: 'odd/name', user: 'odd', replay: '/usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -u odd' });
    expect(errors.of('').total).toBe(2); // a Promoting line is no failure of its own
  });

  it('settles failures only by a read without log-run that started after their last line', () => {
    const errors = new SyncErrors();
    record(errors, MAIN, FAILED, 1_000);
    record(errors, EAST, FAILED, 1_000);
    // the failed batch is still there: sync_client keeps log-run and retries it
    expect(errors.settle(backlog('', [file('log-run'), file('log')]), 2_000)).toEqual([]);
    // a read that cannot list the directory proves nothing
    expect(errors.settle(backlog('', [], 'EACCES'), 2_000)).toEqual([]);
    // a read that started before the last failure line may have missed the batch it belongs to
    record(errors, MAIN, FAILED, 3_000);
    expect(errors.settle(backlog('', [file('log')]), 3_000)).toEqual([]);
    const settled = errors.settle(backlog('', [file('log')]), 3_001);
    expect(settled.map((f) => [f.mailbox, f.count])).toEqual([['user.alice', 2]]);
    expect(errors.of('')).toEqual({ total: 2, failing: [] });
    expect(errors.of('east').failing).toHaveLength(1); // another channel's read settles nothing here
  });

  it('describes a failure for the verdict: channel, what, how often, why, and the replay command', () => {
    const errors = new SyncErrors();
    record(errors, EAST, FAILED, 1);
    const [f] = errors.failing();
    expect(f && describeFailure(f)).toBe('channel east: mailbox user.alice (user alice) failed to replicate (1 time(s), last: The remote Server(s) denied the operation); replay with: /usr/lib/cyrus/bin/sync_client -C /etc/imapd.conf -n east -u alice');
  });
});
