// The DAEMON state machine over (state x exit, timer, stop, reload), with fake processes.
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../../src/service/daemon.js';
import { settle } from '../fake-process.js';
import { unitWorld } from './unit-world.js';

const IDLED = 'DAEMON:\n  idled: { cmd: /usr/lib/cyrus/bin/idled }\n';
const ROLLING = 'DAEMON:\n  syncclient: { cmd: "/usr/lib/cyrus/bin/sync_client -r" }\n';

function daemonWorld(yaml = IDLED) {
  const w = unitWorld(yaml);
  const entry = w.config.daemons[0]!;
  return { ...w, daemon: new Daemon(entry, w.deps) };
}

describe('Daemon', () => {
  it('is idle until started, then runs one process with the DAEMON environment', () => {
    const w = daemonWorld();
    expect(w.daemon.state.kind).toBe('idle');
    w.daemon.start();
    w.daemon.start(); // a second start is ignored
    expect(w.spawned).toHaveLength(1);
    expect(w.last().opts.env).toMatchObject({ CYRUS_ISDAEMON: '1', CYRUS_SERVICE: 'idled', CYRUS_ID: '0' });
    expect(w.last().opts.role).toBeUndefined(); // a kept process: any exit of its own is unexpected
    expect(w.daemon.describe()).toMatchObject({ state: 'running', stateKind: 'running', pids: [w.last().pid], restarts: 0 });
  });

  // failures before -> how long it ran -> delay of the restart (restart_delay 1s doubling, reset after 60s)
  it.each([
    { quickFailures: 0, ranMs: 100, delayMs: 2_000, failures: 1 },
    { quickFailures: 1, ranMs: 100, delayMs: 4_000, failures: 2 },
    { quickFailures: 3, ranMs: 100, delayMs: 16_000, failures: 4 },
    { quickFailures: 3, ranMs: 60_000, delayMs: 1_000, failures: 0 }, // a healthy run resets the backoff
  ])('after $quickFailures quick failures, an exit after $ranMs ms restarts it in $delayMs ms', async ({ quickFailures, ranMs, delayMs, failures }) => {
    const w = daemonWorld();
    w.daemon.start();
    for (let i = 0; i < quickFailures; i++) {
      w.last().exit(1);
      await settle();
      const wait = w.daemon.state;
      expect(wait.kind).toBe('backoff');
      if (wait.kind === 'backoff') await w.advance(wait.restartAt - w.clock.now());
    }
    expect(w.spawned).toHaveLength(quickFailures + 1);
    await w.advance(ranMs);
    w.last().exit(1);
    await settle();
    expect(w.daemon.state).toEqual({ kind: 'backoff', restartAt: w.clock.now() + delayMs, failures, retryingEveryMs: undefined });
    expect(w.daemon.describe().state).toBe(`backoff (restart in ${delayMs / 1000}s)`);
    expect(w.events('daemon.restart-scheduled').at(-1)).toMatchObject({ delayMs, failures });
    await w.advance(delayMs - 1);
    expect(w.spawned).toHaveLength(quickFailures + 1);
    await w.advance(1);
    expect(w.spawned).toHaveLength(quickFailures + 2);
    expect(w.daemon.state.kind).toBe('running');
    expect(w.daemon.describe()).toMatchObject({ restarts: quickFailures + 1, lastExit: undefined });
  });

  /** `times` quick failures, each restarted after its backoff: it ends running. */
  async function failQuickly(w: ReturnType<typeof daemonWorld>, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      w.last().exit(1);
      await settle();
      const s = w.daemon.state;
      if (s.kind === 'backoff') await w.advance(s.restartAt - w.clock.now());
    }
  }

  it('after restart_give_up quick failures, is retried every ready_fail_interval for ever, said once', async () => {
    const w = daemonWorld();
    w.daemon.start();
    await failQuickly(w, 9);
    w.last().exit(1);
    await settle();
    expect(w.daemon.state).toMatchObject({ kind: 'backoff', failures: 10, retryingEveryMs: 10_000 });
    expect(w.daemon.describe().state).toBe('retrying every 10s after 10 failures (restart in 10s)');
    expect(w.events('daemon.retrying')).toEqual([{ event: 'daemon.retrying', entry: 'idled', failures: 10, everyMs: 10_000 }]);
    await w.advance(10_000);
    await failQuickly(w, 3);
    w.last().exit(1);
    await settle();
    expect(w.daemon.state).toMatchObject({ kind: 'backoff', failures: 14, retryingEveryMs: 10_000, restartAt: w.clock.now() + 10_000 });
    expect(w.events('daemon.retrying')).toHaveLength(1);
  });

  it('a rolling sync_client is never given up: its restarts back off to restart_max_delay', async () => {
    const w = daemonWorld(ROLLING);
    w.daemon.start();
    await failQuickly(w, 11);
    w.last().exit(1);
    await settle();
    expect(w.daemon.state).toMatchObject({ kind: 'backoff', failures: 12, retryingEveryMs: undefined, restartAt: w.clock.now() + 60_000 });
    expect(w.events('daemon.retrying')).toHaveLength(0);
  });

  it('retry() (a reload) starts a daemon that is retrying at once, and leaves a plain backoff alone', async () => {
    const w = daemonWorld();
    w.daemon.start();
    w.last().exit(1);
    await settle();
    w.daemon.retry();
    expect(w.spawned).toHaveLength(1);
    await w.advance(2_000);
    await failQuickly(w, 8);
    w.last().exit(1);
    await settle();
    expect(w.daemon.state).toMatchObject({ kind: 'backoff', retryingEveryMs: 10_000 });
    const before = w.spawned.length;
    w.daemon.retry();
    expect(w.spawned).toHaveLength(before + 1);
    expect(w.daemon.state.kind).toBe('running');
    await w.advance(10_000); // the cancelled retry timer starts nothing more
    expect(w.spawned).toHaveLength(before + 1);
  });

  it('stop while running stops the process with its stop signal and ends stopped', async () => {
    const w = daemonWorld();
    w.daemon.start();
    const stopped = w.daemon.stop(w.level());
    expect(w.daemon.state.kind).toBe('stopping');
    const outcomes = await stopped;
    expect(w.last().received).toEqual([{ signal: 'SIGQUIT', step: 'stop' }]);
    expect(outcomes).toMatchObject([{ label: `idled[${w.last().pid}]`, escalated: false }]);
    await settle();
    expect(w.daemon.state.kind).toBe('stopped');
    expect(w.daemon.stop(w.level())).toBe(stopped); // the same stop
    expect(w.spawned).toHaveLength(1); // its exit during the stop is no restart
  });

  it('stop during a backoff cancels the restart; stop before start starts nothing', async () => {
    const w = daemonWorld();
    w.daemon.start();
    w.last().exit(1);
    await settle();
    expect(await w.daemon.stop(w.level())).toEqual([]);
    await w.advance(120_000);
    expect(w.spawned).toHaveLength(1);
    const never = daemonWorld();
    expect(await never.daemon.stop(never.level())).toEqual([]);
    never.daemon.start();
    expect(never.spawned).toHaveLength(0);
    await settle();
    expect(never.daemon.state.kind).toBe('stopped');
  });

  describe('wait: true (the waitdaemon protocol)', () => {
    const WAIT = 'DAEMON:\n  idled: { cmd: /usr/lib/cyrus/bin/idled, wait: true, wait_timeout: 3s }\n';
    const written = (w: ReturnType<typeof daemonWorld>, text: string): void => void w.last().channel?.write(Buffer.from(text, 'latin1'));

    it.each([
      { what: '"ok\\r\\n" in two writes', act: (w: ReturnType<typeof daemonWorld>) => (written(w, 'ok'), written(w, '\r\n')), result: { ok: true } },
      { what: 'something else', act: (w: ReturnType<typeof daemonWorld>) => written(w, 'no\r\n'), result: { ok: false, error: 'wrote "no\\r\\n" on fd 3 instead of "ok\\r\\n"' } },
      { what: 'an exit first', act: (w: ReturnType<typeof daemonWorld>) => w.last().exit(1), result: { ok: false, error: 'exited (exit code 1) before writing "ok\\r\\n" on fd 3' } },
      { what: 'nothing within wait_timeout', act: (w: ReturnType<typeof daemonWorld>) => w.clock.advance(3_000), result: { ok: false, error: 'did not write "ok\\r\\n" on fd 3 within 3000 ms' } },
    ])('resolves on $what', async ({ act, result }) => {
      const w = daemonWorld(WAIT);
      const waiting = w.daemon.startAndWait();
      expect(w.last().opts.extraFds).toEqual(['pipe']);
      act(w);
      expect(await waiting).toMatchObject(result);
    });
  });
});
