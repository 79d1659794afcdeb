// SyncErrorWatch with fake processes and the manual clock: a syslog line is a channel's only when
// its pid is that channel's rolling sync_client; each new failure is logged once, and a read
// without log-run logs its settling.
import { describe, expect, it } from 'vitest';
import type { Channel, ChannelBacklog } from '../../../src/replication/sync-dir.js';
import { Daemon } from '../../../src/service/daemon.js';
import type { ReplicationView } from '../../../src/supervisor/replication-of.js';
import { SyncErrorWatch } from '../../../src/supervisor/sync-error-watch.js';
import { unitWorld } from '../service/unit-world.js';

const CONFIG = `DAEMON:
  syncmain: { cmd: "/usr/lib/cyrus/bin/sync_client -r" }
  synceast: { cmd: "/usr/lib/cyrus/bin/sync_client -r -n east" }
  idled: { cmd: /usr/lib/cyrus/bin/idled }
`;

const channel = (name: string): Channel => ({
  name, logPath: `/c/sync/${name}/log`, runPath: `/c/sync/${name}/log-run`, consumer: 'sync_client', confFile: '/c.conf', syncHost: 'replica', syncPort: undefined, shutdownFile: undefined, syncClient: '/usr/lib/cyrus/bin/sync_client',
});
const empty = (name: string): ChannelBacklog => ({ channel: name, files: [], pending: [], bytes: 0, lines: 0, oldestAgeMs: undefined, skipped: [], replay: '', error: undefined });

const FAILED = "do_folders(): update failed: user.alice 'The remote Server(s) denied the operation'";

function world() {
  const w = unitWorld(CONFIG);
  const daemons = w.config.daemons.map((e) => new Daemon(e, w.deps));
  for (const d of daemons) d.start();
  const view: ReplicationView = { channels: [channel(''), channel('east')], read: () => [], drainTimeoutMs: 0, syncClients: new Map([['syncmain', ''], ['synceast', 'east']]) };
  const watch = new SyncErrorWatch({ clock: w.clock, log: w.log, units: () => daemons, view: () => view });
  watch.start();
  const pidOf = (name: string): number => daemons.find((d) => d.name === name)?.liveChildren()[0]?.pid ?? -1;
  const syslog = (pid: number, message: string): void => w.log.emit({ event: 'syslog.line', program: 'cyrus/sync_client', pid, severity: 'err', message });
  return { ...w, watch, pidOf, syslog };
}

describe('SyncErrorWatch', () => {
  it('takes a syslog line as the channel of the rolling sync_client with that pid, and logs each new failure once with its replay command', () => {
    const w = world();
    w.syslog(w.pidOf('synceast'), FAILED);
    w.syslog(w.pidOf('synceast'), FAILED);
    w.syslog(w.pidOf('idled'), FAILED); // not a sync_client
    w.syslog(99_999, FAILED); // no child of quiesce (a SHUTDOWN flush's sync_client, another instance)
    expect(w.events('replication.sync-error')).toEqual([{
      event: 'replication.sync-error', channel: 'east', mailbox: 'user.alice', user: 'alice', reason: 'The remote Server(s) denied the operation',
      replay: '/usr/lib/cyrus/bin/sync_client -C /c.conf -n east -u alice',
    }]);
    expect(w.watch.errors.of('east').total).toBe(2);
    expect(w.watch.errors.of('').total).toBe(0);
  });

  it('reads a rolling sync_client\'s own stderr too', () => {
    const w = world();
    w.log.emit({ event: 'child.output', entry: 'syncmain', section: 'DAEMON', pid: w.pidOf('syncmain'), stream: 'stderr', line: 'Error from do_user(bob): bailing out!' });
    w.log.emit({ event: 'child.output', entry: 'idled', section: 'DAEMON', pid: w.pidOf('idled'), stream: 'stderr', line: 'Error from do_user(bob): bailing out!' });
    expect(w.events('replication.sync-error')).toMatchObject([{ channel: '', mailbox: null, user: 'bob' }]);
  });

  it('logs the settling of what a read without log-run proves over, and returns what still fails', async () => {
    const w = world();
    w.syslog(w.pidOf('syncmain'), FAILED);
    w.syslog(w.pidOf('synceast'), FAILED);
    await w.advance(5_000);
    const still = w.watch.settle([empty('')], w.clock.now());
    expect(still.map((f) => f.channel)).toEqual(['east']);
    expect(w.events('replication.sync-recovered')).toEqual([{ event: 'replication.sync-recovered', channel: '', mailbox: 'user.alice', user: 'alice', count: 1, failedForMs: 5_000 }]);
  });

  it('hears nothing once stopped', () => {
    const w = world();
    w.watch.stop();
    w.syslog(w.pidOf('syncmain'), FAILED);
    expect(w.watch.errors.failing()).toEqual([]);
  });
});
