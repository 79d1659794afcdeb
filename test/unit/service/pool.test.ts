// The SERVICES pool over (pool state x worker exit, status message, reload, stop, fork-rate timer),
// with fake processes and a fake listening socket.
import { describe, expect, it } from 'vitest';
import type { ReadinessWatcher, StreamListener } from '../../../src/service/listener.js';
import { ServicePool } from '../../../src/service/pool.js';
import { settle, type FakeProcess } from '../fake-process.js';
import { configOf, unitWorld } from './unit-world.js';

/** A listening socket that is never bound: it records what the pool does with it. */
class FakeListener implements StreamListener {
  readonly datagram = false as const;
  readonly fd = 42;
  readonly address = '127.0.0.1:1143';
  stoppedListening = false;
  watcher: (ReadinessWatcher & { clientWaits: () => void; rearms: number }) | undefined;

  workerFds(argv: readonly string[]) {
    return { argv, extraFds: ['pipe', this.fd] as const satisfies readonly ('pipe' | number)[] };
  }

  watch(onReady: () => void) {
    const w = {
      state: 'idle' as ReadinessWatcher['state'],
      rearms: 0,
      start: () => void (w.state = 'armed'),
      rearm: () => void ((w.state = 'armed'), w.rearms++),
      close: () => ((w.state = 'closed'), Promise.resolve()),
      clientWaits: () => {
        w.state = 'reported';
        onReady();
      },
    };
    this.watcher = w;
    return w;
  }

  close(): void {}

  stopListening(): Promise<void> {
    this.stoppedListening = true;
    return Promise.resolve();
  }
}

function poolWorld(entry: string, supervisor = '', staging?: { on: boolean }) {
  const w = unitWorld(`${supervisor}SERVICES:\n  imap: { cmd: /usr/lib/cyrus/bin/imapd, ${entry} }\n`, undefined, staging);
  const listener = new FakeListener();
  const pool = new ServicePool(w.config.services[0]!, w.deps, entry.includes('listen') ? listener : undefined);
  const alive = (): FakeProcess[] => w.alive();
  return { ...w, pool, listener, alive };
}

describe('ServicePool', () => {
  it('preforks workers with the socket on fd 4 and a status pipe on fd 3, each ready', () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 3');
    w.pool.start();
    expect(w.spawned).toHaveLength(3);
    expect(w.spawned[0]!.opts).toMatchObject({ extraFds: ['pipe', 42], role: 'worker', discardStdout: true, env: { CYRUS_SERVICE: 'imap' } });
    expect(w.pool.describe()).toMatchObject({ stateKind: 'running', readyCount: 3, busyCount: 0, listen: '127.0.0.1:1143', restarts: 0 });
  });

  // status message -> counts; a busy worker makes the pool start another to keep prefork ready
  it.each([
    { messages: ['CONNECTION'], ready: 2, busy: 1, spawned: 3 },
    { messages: ['UNAVAILABLE'], ready: 2, busy: 1, spawned: 3 },
    { messages: ['CONNECTION', 'AVAILABLE'], ready: 3, busy: 0, spawned: 3 },
    { messages: ['CONNECTION_MULTI'], ready: 2, busy: 0, spawned: 2 },
  ] as const)('after $messages a prefork 2 pool has $ready ready and $busy busy', async ({ messages, ready, busy, spawned }) => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 2');
    w.pool.start();
    for (const m of messages) w.spawned[0]!.status(m);
    await settle();
    expect(w.pool.describe()).toMatchObject({ readyCount: ready, busyCount: busy });
    expect(w.spawned).toHaveLength(spawned);
  });

  // how a worker left -> replaced?, "lost"?, ready-fail counted?
  it.each([
    { how: 'exit 0 (served its share, imapd -U)', code: 0, signal: null, lost: false, readyFail: false },
    { how: 'exit 75 (EX_TEMPFAIL)', code: 75, signal: null, lost: false, readyFail: false },
    { how: 'SIGKILL from outside', code: null, signal: 'SIGKILL', lost: true, readyFail: false },
    { how: 'exit 1 (cannot run)', code: 1, signal: null, lost: true, readyFail: true },
    { how: 'SIGSEGV (crash)', code: null, signal: 'SIGSEGV', lost: true, readyFail: true },
  ] as const)('an idle worker that leaves by $how is replaced; lost: $lost, ready-fail: $readyFail', async ({ code, signal, lost, readyFail }) => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 2');
    w.pool.start();
    w.spawned[0]!.exit(code, signal);
    await settle();
    expect(w.alive()).toHaveLength(2);
    expect(w.spawned).toHaveLength(3);
    expect(w.events('service.worker-lost')).toHaveLength(lost ? 1 : 0);
    expect(w.pool.describe().master?.readyFails).toBe(readyFail ? 1 : 0);
    expect(w.pool.describe().restarts).toBe(1);
  });

  it('ready_fail_limit quick ready-fails disable the service and close its socket until a reload', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 1', 'SUPERVISOR: { ready_fail_limit: 3 }\n');
    w.pool.start();
    for (let i = 0; i < 3; i++) {
      w.last().exit(1);
      await w.advance(100);
    }
    expect(w.pool.state).toEqual({ kind: 'disabled', reason: '3 workers failed before taking a connection, each within 10000 ms of the previous' });
    expect(w.alive()).toHaveLength(0);
    expect(w.listener.stoppedListening).toBe(true);
    expect(w.events('service.disabled')).toHaveLength(1);
    await w.pool.reload(w.config.services[0]!, new FakeListener());
    expect(w.pool.state.kind).toBe('running');
    expect(w.alive()).toHaveLength(1);
  });

  it('failures further apart than ready_fail_interval never disable it', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 1', 'SUPERVISOR: { ready_fail_limit: 3 }\n');
    w.pool.start();
    for (let i = 0; i < 6; i++) {
      w.last().exit(1);
      await w.advance(10_000);
    }
    expect(w.pool.state.kind).toBe('running');
    expect(w.pool.describe().master?.readyFails).toBe(6);
  });

  it('babysit: the failures make it cool for ready_fail_interval, then one worker gets one more chance', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 1, babysit: true', 'SUPERVISOR: { ready_fail_limit: 2 }\n');
    w.pool.start();
    w.last().exit(1);
    await w.advance(100);
    w.last().exit(1);
    await settle();
    expect(w.pool.state).toEqual({ kind: 'cooling', until: w.clock.now() + 10_000 });
    expect(w.pool.describe().state).toBe('cooling after too many failures (retrying in 10s)');
    expect(w.alive()).toHaveLength(0);
    await w.advance(10_000);
    expect(w.pool.state.kind).toBe('running');
    expect(w.alive()).toHaveLength(1);
    w.last().exit(1); // within the interval of the last failure: cooling again at once
    await settle();
    expect(w.pool.state.kind).toBe('cooling');
    expect(w.events('service.cooling')).toHaveLength(2);
  });

  it('maxforkrate: starts at most that many per second, the rest when the second is over', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 5, maxforkrate: 2');
    w.pool.start();
    expect(w.spawned).toHaveLength(2);
    await w.advance(999);
    expect(w.spawned).toHaveLength(2);
    await w.advance(1);
    expect(w.spawned).toHaveLength(4);
    await w.advance(1_000);
    expect(w.spawned).toHaveLength(5);
  });

  it('maxchild caps live workers however busy they are', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 1, maxchild: 2');
    w.pool.start();
    w.spawned[0]!.status('CONNECTION');
    await settle();
    w.spawned[1]!.status('CONNECTION');
    await settle();
    expect(w.spawned).toHaveLength(2);
    expect(w.pool.describe()).toMatchObject({ readyCount: 0, busyCount: 2 });
  });

  it('on demand (prefork 0): a waiting client starts one worker; the watcher is rearmed once none is idle', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143"');
    w.pool.start();
    expect(w.spawned).toHaveLength(0);
    expect(w.listener.watcher?.state).toBe('armed');
    w.listener.watcher!.clientWaits();
    expect(w.spawned).toHaveLength(1);
    expect(w.listener.watcher!.rearms).toBe(0); // an idle worker will take it
    w.last().status('CONNECTION');
    await settle();
    expect(w.listener.watcher!.rearms).toBe(1);
    expect(w.spawned).toHaveLength(1);
  });

  describe('on demand with a fork server (staged starts)', () => {
    const stagedWorld = (entry = 'listen: "127.0.0.1:1143"', supervisor = '') => poolWorld(entry, supervisor, { on: true });

    it('stages the next worker (forked once a client waits, on the listening socket), no watcher; another once none is idle', async () => {
      const w = stagedWorld();
      w.pool.start();
      expect(w.listener.watcher).toBeUndefined();
      expect(w.spawned).toHaveLength(1);
      expect(w.last().opts.whenReadable?.fd).toBe(42);
      expect(w.last().staged).toBe(true);
      // not a worker yet: no pid, not ready, not a fork of master.txt
      expect(w.pool.describe()).toMatchObject({ pids: [], readyCount: 0, busyCount: 0, master: { forks: 0, activeChildren: 0 } });
      w.last().fork();
      expect(w.pool.describe()).toMatchObject({ pids: [1001], readyCount: 1, master: { forks: 1, activeChildren: 1 } });
      expect(w.spawned).toHaveLength(1); // an idle worker will take the next client
      w.last().status('CONNECTION');
      await settle();
      expect(w.spawned).toHaveLength(2);
      expect(w.last().staged).toBe(true);
      expect(w.pool.describe()).toMatchObject({ readyCount: 0, busyCount: 1 });
    });

    it('holds maxchild: nothing is staged while maxchild workers are busy, one is once a worker leaves', async () => {
      const w = stagedWorld('listen: "127.0.0.1:1143", maxchild: 1');
      w.pool.start();
      w.last().fork();
      w.last().status('CONNECTION');
      await settle();
      expect(w.spawned).toHaveLength(1);
      w.last().exit(0);
      await settle();
      expect(w.spawned).toHaveLength(2);
      expect(w.last().staged).toBe(true);
    });

    it('a stop takes the staged start back first: nothing to signal, no outcome, nothing staged again', async () => {
      const w = stagedWorld();
      w.pool.start();
      const staged = w.last();
      const outcomes = await w.pool.stop(w.level());
      expect(staged.alive).toBe(false);
      expect(staged.received).toEqual([]);
      expect(outcomes).toEqual([]);
      expect(w.spawned).toHaveLength(1);
      expect(w.listener.stoppedListening).toBe(true);
      expect(w.events('service.worker-lost')).toHaveLength(0);
    });

    it('a staged start forked just as the stop takes it back is stopped as an idle worker', async () => {
      const w = stagedWorld();
      w.pool.start();
      const staged = w.last();
      staged.onCancel = 'forked';
      const outcomes = await w.pool.stop(w.level());
      expect(staged.received).toEqual([{ signal: 'SIGQUIT', step: 'stop' }]);
      expect(outcomes).toHaveLength(1);
      expect(w.spawned).toHaveLength(1);
    });

    it('reload takes the staged start back and stages one running the new entry', async () => {
      const w = stagedWorld();
      w.pool.start();
      const old = w.last();
      const changed = configOf('SERVICES:\n  imap: { cmd: /usr/lib/cyrus/bin/imapd -s, listen: "127.0.0.1:1143" }\n').services[0]!;
      await w.pool.reload(changed, w.listener);
      expect(old.alive).toBe(false);
      expect(old.received).toEqual([]); // never ran: nothing to recycle
      expect(w.spawned).toHaveLength(2);
      expect(w.last().staged).toBe(true);
      expect(w.last().spec.argv).toEqual(['/usr/lib/cyrus/bin/imapd', '-s']);
    });

    it('a staged worker whose exec fails counts as a ready-fail: enough of them disable the service', async () => {
      const w = stagedWorld('listen: "127.0.0.1:1143"', 'SUPERVISOR: { ready_fail_limit: 3 }\n');
      w.pool.start();
      for (let i = 0; i < 3; i++) {
        w.last().failExec();
        await settle();
      }
      expect(w.events('service.disabled')).toHaveLength(1);
      expect(w.pool.state.kind).toBe('disabled');
      expect(w.spawned).toHaveLength(3);
      expect(w.pool.describe().master?.forks).toBe(3);
    });

    it('when the fork server is lost, the staged start goes and the pool watches its socket itself', async () => {
      const staging = { on: true };
      const w = poolWorld('listen: "127.0.0.1:1143"', '', staging);
      w.pool.start();
      staging.on = false;
      w.last().exit(null, 'SIGTERM'); // what a fork server's loss reports
      await settle();
      expect(w.listener.watcher?.state).toBe('armed');
      expect(w.spawned).toHaveLength(1);
      expect(w.events('service.worker-lost')).toHaveLength(0);
      w.listener.watcher!.clientWaits();
      expect(w.spawned).toHaveLength(2);
      expect(w.last().staged).toBe(false);
    });
  });

  it('reload: every worker is told to recycle (SIGHUP) and replaced, and recycling is not "lost"', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 2');
    w.pool.start();
    w.spawned[0]!.status('CONNECTION');
    await settle();
    const old = w.alive();
    expect(old).toHaveLength(3);
    await w.pool.reload(w.config.services[0]!, w.listener);
    for (const p of old) expect(p.received).toEqual([{ signal: 'SIGHUP', step: undefined }]);
    expect(w.pool.describe().readyCount).toBe(2); // the fresh ones; the old ones finish their clients
    for (const p of old) p.exit(1); // however a recycled worker ends, it was asked to
    await settle();
    expect(w.events('service.worker-lost')).toHaveLength(0);
    expect(w.alive()).toHaveLength(2);
  });

  it('stop: idle workers first, then the socket is closed, then the busy ones', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 2');
    w.pool.start();
    w.spawned[0]!.status('CONNECTION');
    await settle();
    const [busy, ...idle] = w.alive();
    busy!.obeys = []; // finishes its client first
    const stopped = w.pool.stop(w.level());
    await settle();
    for (const p of idle) expect(p.alive).toBe(false);
    expect(w.listener.stoppedListening).toBe(true);
    expect(busy!.received).toEqual([{ signal: 'SIGQUIT', step: 'stop' }]);
    expect(w.events('service.closed')).toEqual([{ event: 'service.closed', entry: 'imap', address: '127.0.0.1:1143' }]);
    busy!.exit(75);
    const outcomes = await stopped;
    expect(outcomes).toHaveLength(3);
    expect(w.spawned).toHaveLength(3); // nothing replaced during the stop
    expect(w.events('service.worker-lost')).toHaveLength(0);
  });

  it('a pool without listen keeps max(1, prefork) plain processes alive, without fds', async () => {
    const w = poolWorld('prefork: 0');
    w.pool.start();
    expect(w.spawned).toHaveLength(1);
    expect(w.last().opts.extraFds).toBeUndefined();
    w.last().exit(null, 'SIGKILL');
    await settle();
    expect(w.alive()).toHaveLength(1);
    expect(w.pool.describe()).toMatchObject({ readyCount: undefined, busyCount: undefined });
  });

  it('retire: stops listening, recycles every worker, starts none, and resolves when all are gone', async () => {
    const w = poolWorld('listen: "127.0.0.1:1143", prefork: 2');
    w.pool.start();
    const retired = w.pool.retire();
    await settle();
    expect(w.pool.state.kind).toBe('retired');
    expect(w.listener.stoppedListening).toBe(true);
    for (const p of w.alive()) p.exit(0);
    await retired;
    expect(w.spawned).toHaveLength(2);
  });
});
