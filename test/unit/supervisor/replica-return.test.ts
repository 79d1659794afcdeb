// ReplicaReturn with fake processes, the manual clock and a fake probe: a sync_client's "Can not
// connect" line starts the looks at its replica, and the look that finds it back wakes exactly the
// sync_clients of that channel that said so and sleep.
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../../src/log.js';
import type { ReplicaAddress } from '../../../src/replication/replica-address.js';
import type { Channel } from '../../../src/replication/sync-dir.js';
import { Daemon } from '../../../src/service/daemon.js';
import { ReplicaReturn } from '../../../src/supervisor/replica-return.js';
import type { ReplicationView } from '../../../src/supervisor/replication-of.js';
import { channelOfSyncClient } from '../../../src/supervisor/replication-of.js';
import type { FakeProcess } from '../fake-process.js';
import { unitWorld } from '../service/unit-world.js';

const CONFIG = `SUPERVISOR: { restart_delay: 30s }
DAEMON:
  syncmain: { cmd: "/usr/lib/cyrus/bin/sync_client -r" }
  synceast: { cmd: "/usr/lib/cyrus/bin/sync_client -r -n east" }
  idled: { cmd: /usr/lib/cyrus/bin/idled }
`;

const channel = (name: string, syncHost: string | undefined): Channel => ({
  name, logPath: `/c/sync/${name}/log`, runPath: `/c/sync/${name}/log-run`, consumer: 'sync_client', confFile: '/c.conf', syncHost, syncPort: '2005', shutdownFile: undefined, syncClient: '/usr/lib/cyrus/bin/sync_client',
});

function world(opts: { eastHost?: string } = {}) {
  const w = unitWorld(CONFIG);
  const daemons = w.config.daemons.map((e) => new Daemon(e, w.deps));
  for (const d of daemons) d.start();
  const view: ReplicationView = {
    channels: [channel('', 'main.example'), channel('east', opts.eastHost ?? 'east.example')],
    read: () => [], drainTimeoutMs: 0,
    syncClients: new Map([['syncmain', ''], ['synceast', 'east']]),
  };
  const up = new Set<string>();
  const probes: string[] = [];
  const probe = (a: ReplicaAddress): Promise<boolean> => {
    const host = a.kind === 'tcp' ? a.host : '?';
    probes.push(host);
    return Promise.resolve(up.has(host));
  };
  const asleep = new Set<number>();
  const watch = new ReplicaReturn(view, { clock: w.clock, log: w.log, units: () => daemons, probe, sleeps: (pid) => asleep.has(pid) });
  watch.start();
  const child = (name: string) => daemons.find((d) => d.name === name)?.liveChildren()[0] as FakeProcess;
  const says = (name: string, line: string): void => {
    const c = child(name);
    w.log.emit({ event: 'child.output', entry: name, section: 'DAEMON', pid: c.pid ?? -1, stream: 'stderr', line });
  };
  const hups = (name: string) => child(name).received.filter((r) => r.signal === 'SIGHUP').length;
  return { ...w, watch, daemons, up, probes, asleep, child, says, hups };
}

const CANNOT = "Can not connect to server 'main.example', retrying in 30 seconds";

describe('ReplicaReturn', () => {
  it('does nothing, and looks at nothing, until a sync_client says it cannot connect', async () => {
    const w = world();
    w.says('syncmain', 'some other line');
    w.says('idled', CANNOT);
    await w.advance(10_000);
    expect(w.probes).toEqual([]);
    expect(w.clock.pending).toBe(0);
  });

  it('looks every second while the replica is away, then wakes the sleeping sync_client of that channel only, once', async () => {
    const w = world();
    for (const d of ['syncmain', 'synceast', 'idled']) w.asleep.add(w.child(d).pid ?? -1);
    w.says('syncmain', CANNOT);
    expect(w.events('replication.replica-down')).toEqual([{ event: 'replication.replica-down', channel: '', entry: 'syncmain', address: 'main.example:2005', probing: true, line: CANNOT }]);
    await w.advance(1_000);
    await w.advance(1_000);
    expect(w.probes).toEqual(['main.example', 'main.example']);
    expect(w.hups('syncmain')).toBe(0);
    w.up.add('main.example');
    await w.advance(1_000);
    expect(w.hups('syncmain')).toBe(1);
    expect(w.hups('synceast')).toBe(0);
    expect(w.events('replication.replica-back')).toEqual([{ event: 'replication.replica-back', channel: '', address: 'main.example:2005', downForMs: 3_000, woken: 1, restarted: 0 }]);
    await w.advance(10_000);
    expect(w.probes).toHaveLength(3);
    expect(w.hups('syncmain')).toBe(1);
  });

  it('leaves a sync_client that is not asleep (in a connect or a pass) alone', async () => {
    const w = world();
    w.says('syncmain', CANNOT);
    w.up.add('main.example');
    await w.advance(1_000);
    expect(w.hups('syncmain')).toBe(0);
    expect(w.events('replication.replica-back')[0]).toMatchObject({ woken: 0 });
  });

  it('restarts now a sync_client DAEMON waiting out its restart delay when its replica answers', async () => {
    const w = world();
    w.says('syncmain', CANNOT);
    w.child('syncmain').exit(1);
    await w.advance(0);
    expect(w.daemons[0]?.state.kind).toBe('backoff');
    const started = w.spawned.length;
    w.up.add('main.example');
    await w.advance(1_000);
    expect(w.events('replication.replica-back')[0]).toMatchObject({ restarted: 1 });
    expect(w.spawned.length).toBe(started + 1);
    expect(w.daemons[0]?.state.kind).toBe('running');
  });

  it('says once when the replica\'s address cannot be worked out, and never looks', async () => {
    const w = world({ eastHost: '' });
    w.says('synceast', CANNOT);
    w.says('synceast', CANNOT);
    await w.advance(5_000);
    expect(w.events('replication.replica-down')).toEqual([expect.objectContaining({ channel: 'east', probing: false, address: 'unknown (no sync_host)' }) as LogEvent]);
    expect(w.probes).toEqual([]);
  });

  it('stops looking when stopped', async () => {
    const w = world();
    w.says('syncmain', CANNOT);
    w.watch.stop();
    await w.advance(5_000);
    expect(w.probes).toEqual([]);
  });
});

describe('channelOfSyncClient', () => {
  it.each([
    [['sync_client', '-r'], ''],
    [['sync_client', '-r', '-n', 'east'], 'east'],
    [['sync_client', '-neast', '-r'], 'east'],
  ])('%j -> %j', (argv, name) => expect(channelOfSyncClient(argv)).toBe(name));
});
