// The Supervisor with fake processes and the manual clock: start order, phases, the (phase, step,
// event) table acted on, reload through the injected loader.
import { describe, expect, it } from 'vitest';
import type { ChildHandle, SpawnChild } from '../../../src/child/child.js';
import { err, ok } from '../../../src/errors.js';
import { EXIT } from '../../../src/exit-codes.js';
import { Supervisor, type RunResult, type SupervisorDeps } from '../../../src/supervisor/supervisor.js';
import type { ReloadOutcome } from '../../../src/supervisor/reload-queue.js';
import { settle, type FakeProcess } from '../fake-process.js';
import { configOf, unitWorld } from '../service/unit-world.js';

const CONFIG = `
START:
  recover: { cmd: /usr/lib/cyrus/bin/ctl_cyrusdb -r }
SERVICES:
  imap: { cmd: /usr/lib/cyrus/bin/imapd, prefork: 2 }
EVENTS:
  checkpoint: { cmd: /usr/lib/cyrus/bin/ctl_cyrusdb -c, period: 30m }
DAEMON:
  idled: { cmd: /usr/lib/cyrus/bin/idled }
SHUTDOWN:
  flush: { cmd: /usr/lib/cyrus/bin/true }
`;

/** A supervisor whose START, EVENTS and SHUTDOWN commands exit with `oneShotCode` (null: they hang). */
function supervisorWorld(yaml = CONFIG, oneShotCode: number | null = 0, loadConfig: SupervisorDeps['loadConfig'] = () => ok(configOf(yaml))) {
  const w = unitWorld(yaml);
  const started: string[] = [];
  const spawn: SpawnChild = (spec, opts): ChildHandle => {
    const p = w.spawn(spec, opts) as FakeProcess;
    started.push(`${spec.section} ${spec.name}`);
    if ((spec.section === 'START' || spec.section === 'SHUTDOWN' || spec.section === 'EVENTS') && oneShotCode !== null) queueMicrotask(() => p.exit(oneShotCode));
    return p;
  };
  const phases: string[] = [];
  const supervisor = new Supervisor(w.config, { clock: w.clock, log: w.log, loadConfig, spawn, onPhase: (p) => void phases.push(p.kind) });
  let result: RunResult | undefined;
  const running = supervisor.run().then((r) => (result = r));
  /** Moves the clock 100 ms at a time until `done` (at most 10 minutes of manual time). */
  const until = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 6_000 && !done(); i++) await w.advance(100);
    expect(done()).toBe(true);
  };
  return { ...w, supervisor, started, phases, running, result: () => result, until };
}

const shutdown = { kind: 'shutdown', mode: 'graceful', trigger: 'SIGQUIT' } as const;

describe('Supervisor', () => {
  it('runs START first, then the DAEMONs, SERVICES and EVENTS; a stop goes through every phase to exit 0', async () => {
    const w = supervisorWorld();
    await w.until(() => w.supervisor.phase.kind === 'running');
    await w.advance(0); // the event's first run is due now
    expect(w.started).toEqual(['START recover', 'DAEMON idled', 'SERVICES imap', 'SERVICES imap', 'EVENTS checkpoint']);
    expect(w.supervisor.status('test').units.map((u) => [u.name, u.stateKind])).toEqual([['idled', 'running'], ['imap', 'running'], ['checkpoint', 'scheduled']]);
    w.supervisor.dispatch(shutdown);
    await w.until(() => w.result() !== undefined);
    expect(w.phases).toEqual(['starting', 'running', 'draining', 'stopping-daemons', 'shutdown-commands', 'stopped']);
    expect(w.result()).toMatchObject({ exitCode: EXIT.clean });
    expect(w.started.at(-1)).toBe('SHUTDOWN flush');
    expect(w.alive()).toEqual([]);
  });

  it('a START command that fails stops the start: exit 1, nothing else started', async () => {
    const w = supervisorWorld(CONFIG, 3);
    await w.until(() => w.result() !== undefined);
    expect(w.result()).toMatchObject({ exitCode: EXIT.startFailed, reason: 'START recover failed: exit code 3' });
    expect(w.started).toEqual(['START recover']);
  });

  it('a shutdown signal during START stops the command (interrupt-start) and exits 1', async () => {
    const w = supervisorWorld(CONFIG, null);
    await settle();
    expect(w.supervisor.actionOf('shutdown')).toBe('interrupt-start');
    w.supervisor.dispatch(shutdown);
    await w.until(() => w.result() !== undefined);
    expect(w.result()).toMatchObject({ exitCode: EXIT.startFailed });
    expect(w.spawned[0]!.received).toEqual([{ signal: 'SIGQUIT', step: 'stop' }]);
  });

  it('a second signal while draining escalates: a worker that ignores SIGQUIT gets SIGTERM at once, exit 3', async () => {
    const w = supervisorWorld();
    await w.until(() => w.supervisor.phase.kind === 'running');
    for (const p of w.alive()) p.obeys = ['SIGTERM'];
    w.supervisor.dispatch(shutdown);
    await settle();
    expect(w.supervisor.actionOf('shutdown')).toBe('escalate');
    w.supervisor.dispatch({ kind: 'shutdown', mode: 'graceful', trigger: 'SIGQUIT' });
    await w.until(() => w.result() !== undefined);
    expect(w.result()?.exitCode).toBe(EXIT.escalated);
    expect(w.clock.now() - w.supervisor.phase.since).toBeLessThan(10_000); // no quit_timeout waited out
    expect(w.events('shutdown.escalate')).toMatchObject([{ escalation: 'term', trigger: 'SIGQUIT' }]);
  });

  it('reload: a changed DAEMON restarts with its new command; a broken file is rejected and the running config kept', async () => {
    const next = configOf(CONFIG.replace('/usr/lib/cyrus/bin/idled', '/usr/lib/cyrus/bin/idled -d'));
    let broken = false;
    const w = supervisorWorld(CONFIG, 0, () => (broken ? err([{ file: 'test.yaml', line: 3, col: 1, path: 'DAEMON', message: 'broken' }]) : ok(next)));
    await w.until(() => w.supervisor.phase.kind === 'running');
    const outcomes: (ReloadOutcome | undefined)[] = [];
    w.supervisor.dispatch({ kind: 'reload', trigger: 'SIGHUP', onOutcome: (o) => void outcomes.push(o) });
    await w.until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ event: 'config.reloaded', changed: ['idled'], applying: ['idled'] });
    await w.until(() => w.alive().some((p) => p.spec.argv.includes('-d')));
    broken = true;
    w.supervisor.dispatch({ kind: 'reload', trigger: 'SIGHUP', onOutcome: (o) => void outcomes.push(o) });
    await w.until(() => outcomes.length === 2);
    expect(outcomes[1]).toMatchObject({ event: 'config.reload-rejected' });
    expect(w.supervisor.config.daemons[0]?.argv).toContain('-d');
    expect(w.supervisor.status('test').generation).toBe(2);
  });

  it('a signal with no meaning is counted and logged once, in any phase', async () => {
    const w = supervisorWorld();
    await w.until(() => w.supervisor.phase.kind === 'running');
    for (let i = 0; i < 3; i++) w.supervisor.dispatch({ kind: 'stray-signal', trigger: 'SIGUSR2' });
    expect(w.supervisor.status('test').ignoredSignals).toEqual({ SIGUSR2: 3 });
    expect(w.events('signal.ignored')).toHaveLength(1);
  });
});
