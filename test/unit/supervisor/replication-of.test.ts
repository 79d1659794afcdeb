// The replication view of a config: fixed from the imapd.conf it was loaded with, replayed by the
// instance's own sync_client, and "replicating" read from the units' typed states.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { Daemon } from '../../../src/service/daemon.js';
import { isReplicating, replicationOf } from '../../../src/supervisor/replication-of.js';
import { settle } from '../fake-process.js';
import { unitWorld } from '../service/unit-world.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-replication-of-'));
  writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${dir}\nsync_log: 1\nsync_host: replica\n`);
  mkdirSync(join(dir, 'sync'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const yaml = (supervisor: string, daemon: string): string => `SUPERVISOR: { cyrus_config: ${dir}/imapd.conf${supervisor} }\nDAEMON:\n  syncclient: { cmd: "${daemon}" }\n`;

describe('replicationOf', () => {
  it.each([
    { what: "the rolling DAEMON's own sync_client", supervisor: '', daemon: '/opt/cyrus/bin/sync_client -r', replay: '/opt/cyrus/bin/sync_client' },
    { what: "SUPERVISOR.bin_dir's sync_client when no DAEMON names one", supervisor: ', bin_dir: /opt/cyrus/bin', daemon: '/bin/sh -c \\"exec sync_client -r\\"', replay: '/opt/cyrus/bin/sync_client' },
  ])('replays with $what', ({ supervisor, daemon, replay }) => {
    const w = unitWorld(yaml(supervisor, daemon));
    const view = replicationOf(w.config, new ManualClock());
    expect(view?.channels.map((c) => c.syncClient)).toEqual([replay]);
    writeFileSync(join(dir, 'sync', 'log'), 'APPEND user.a\n');
    expect(view?.read()[0]?.replay).toBe(`${replay} -C ${dir}/imapd.conf -R -1`);
  });

  it('is fixed with the config: imapd.conf is never read again (a later edit, or a file that appears, changes nothing)', () => {
    const w = unitWorld(yaml('', '/usr/lib/cyrus/bin/sync_client -r'));
    writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${dir}/elsewhere\nsync_log: 0\n`);
    expect(replicationOf(w.config, new ManualClock())?.channels.map((c) => c.logPath)).toEqual([join(dir, 'sync', 'log')]);
    rmSync(join(dir, 'imapd.conf'));
    const unread = unitWorld(yaml('', '/usr/lib/cyrus/bin/sync_client -r')); // loaded without it
    writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${dir}\nsync_log: 1\n`);
    expect(replicationOf(unread.config, new ManualClock())).toBeUndefined();
  });

  it('is replicating while the rolling sync_client runs or waits to restart, not once it is stopped', async () => {
    const w = unitWorld(yaml('', '/usr/lib/cyrus/bin/sync_client -r'));
    const view = replicationOf(w.config, w.clock)!;
    const daemon = new Daemon(w.config.daemons[0]!, w.deps);
    expect(isReplicating(view, [daemon])).toBe(false); // idle
    daemon.start();
    expect(isReplicating(view, [daemon])).toBe(true);
    w.last().exit(1);
    await settle();
    expect(daemon.state.kind).toBe('backoff');
    expect(isReplicating(view, [daemon])).toBe(true);
    await daemon.stop(w.level());
    expect(isReplicating(view, [daemon])).toBe(false);
  });
});
