// The operator commands against a running instance: status in every phase, stop with progress and
// the instance's exit code passed through, escalate, reload, the shutdown report, two instances.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ShutdownReportDocument } from '../../../src/ops/report.js';
import type { StatusSnapshot } from '../../../src/supervisor/status.js';
import { cleanup, cli, ev, readMarks, startQuiesce, tempDir, writeConfig, type Quiesce } from '../harness.js';

afterEach(cleanup);

const ready = (q: Quiesce, name: string, count = 1) =>
  q.waitForLog(() => q.logs.filter((l) => l.event === 'child.output' && l.line === `ready ${name}`).length >= count, `${count} x ready ${name}`);

async function status(file: string): Promise<StatusSnapshot> {
  const r = await cli(['status', '--json', '-c', file]);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as StatusSnapshot;
}

/** Opens a gate.mjs gate: the fixture holding a phase open exits. */
const open = (dir: string, gate: string) => writeFileSync(join(dir, gate), '');

/** web (2 workers) and sync each hold their stop open until the test opens their gate; so does the flush command. */
const GATED = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 60s, term_timeout: 5s, report_file: "{{DIR}}/report.json", progress_interval: 200ms }
SERVICES:
  web: { cmd: "{{FIX}}/gate.mjs web", prefork: 2, env: { MARKER: "{{DIR}}/marks", GATE: "{{DIR}}/web.open" } }
DAEMON:
  sync: { cmd: "{{FIX}}/gate.mjs sync", env: { MARKER: "{{DIR}}/marks", GATE: "{{DIR}}/sync.open" } }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/gate.mjs flush", timeout: 60s, env: { MARKER: "{{DIR}}/marks", GATE: "{{DIR}}/flush.open" } }
`;

async function startGated(): Promise<{ dir: string; file: string; q: Quiesce }> {
  const dir = tempDir();
  const file = writeConfig(dir, GATED);
  const q = startQuiesce(dir, file);
  await ready(q, 'web', 2);
  await ready(q, 'sync');
  return { dir, file, q };
}

describe('quiesce status and stop against a running instance', () => {
  it('status answers in every phase; stop prints the progress and exits with the instance code 0; the report says safe', async () => {
    const { dir, file, q } = await startGated();
    const running = await status(file);
    expect(running).toMatchObject({ pid: q.pid, phase: 'running' });
    const units = Object.fromEntries(running.units.map((u) => [u.name, u]));
    expect(units.web).toMatchObject({ section: 'SERVICES', state: 'running' });
    expect(units.web?.pids).toHaveLength(2);
    expect(units.sync?.pids).toHaveLength(1);
    const table = await cli(['status', '-c', file]);
    expect(table.out).toMatch(/phase\s+running/);
    expect(table.out).toMatch(/web\s+SERVICES/);

    const stop = cli(['stop', '-c', file]);
    await q.waitForLog(ev('shutdown.step', { step: 'drain' }));
    expect((await status(file)).phase).toBe('draining');
    // the progress names what it waits for and when it escalates
    await q.waitForLog((l) => l.event === 'shutdown.waiting' && l.count === 2);
    open(dir, 'web.open');
    await q.waitForLog(ev('shutdown.step', { step: 'daemons' }));
    const daemons = await status(file);
    expect(daemons.phase).toBe('stopping-daemons');
    expect(daemons.units.find((u) => u.name === 'web')?.pids).toEqual([]);
    open(dir, 'sync.open');
    await q.waitForLog(ev('shutdown.command-begin', { entry: 'flush' }));
    expect((await status(file)).phase).toBe('shutdown-commands');
    open(dir, 'flush.open');

    const r = await stop;
    expect(r.code).toBe(0);
    expect(r.out).toContain('quiesce: stopping');
    expect(r.out).toContain('graceful shutdown started (control:stop)');
    expect(r.out).toMatch(/still running \(2\): web\[\d+\], web\[\d+\]; SIGTERM in (59s|1m00s)/);
    expect(r.out).toMatch(/still running \(1\): sync\[\d+\]; SIGTERM in (59s|1m00s)/);
    expect(r.out).toContain('running SHUTDOWN flush (timeout 1m00s)');
    expect(r.out).toMatch(/SHUTDOWN flush: exit code 0 after \d+m?s/);
    expect(r.out).toMatch(/exit code 0: clean: .*; safe to fail over\n$/);
    expect((await q.exited).code).toBe(0);

    const gone = await cli(['status', '-c', file]);
    expect(gone.code).toBe(69);
    expect(gone.err).toContain('no quiesce is running here');

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ShutdownReportDocument;
    expect(report.verdict).toMatchObject({ exitCode: 0, safeToFailOver: true });
    expect(report.shutdown).toMatchObject({ mode: 'graceful', trigger: 'control:stop' });
    expect(report.steps.map((s) => s.name)).toEqual(['drain', 'daemons: stopping DAEMON sync', 'SHUTDOWN flush']);
    for (const s of report.steps) expect(s.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.children).toMatchObject({ stopped: 3, escalated: [] });
    expect(report.commands).toEqual([expect.objectContaining({ entry: 'flush', ok: true })]);
    const log = await q.waitForLog(ev('report.written'));
    expect(log).toMatchObject({ file: join(dir, 'report.json'), safeToFailOver: true });
  });

  it('escalate moves a stuck drain on to SIGTERM; stop passes exit code 3 through and the report names the escalated children', async () => {
    const { dir, file, q } = await startGated();
    open(dir, 'flush.open');
    const stop = cli(['stop', '-c', file]);
    await q.waitForLog(ev('shutdown.step', { step: 'drain' }));
    const esc = await cli(['escalate', '-c', file]);
    expect(esc).toMatchObject({ code: 0, out: 'quiesce: escalating (phase draining)\n' });
    // sync's gate stays shut: only the SIGTERM of the held escalation ends it (else the stop would hang)
    const r = await stop;
    expect(r.code).toBe(3);
    expect(r.out).toContain('escalated to term (control:escalate)');
    expect((await q.exited).code).toBe(3);
    const whats = readMarks(join(dir, 'marks')).map((m) => m.what);
    expect(whats.filter((w) => w === 'web-got-SIGTERM')).toHaveLength(2);
    // the escalation holds for the rest of the stop: the daemon gets SIGTERM at once too
    expect(whats).toContain('sync-got-SIGTERM');
    expect(whats).not.toContain('sync-got-SIGQUIT');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ShutdownReportDocument;
    expect(report.verdict).toMatchObject({ exitCode: 3, safeToFailOver: true });
    expect(report.children.escalated.map((e) => e.child).sort()).toEqual([expect.stringMatching(/^web\[\d+\]$/), expect.stringMatching(/^web\[\d+\]$/)]);
  });

  it('stop passes exit code 4 through when a SHUTDOWN command fails, with its output; --fast sends SIGTERM first', async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 60s, report_file: "{{DIR}}/report.json" }
SERVICES:
  web: { cmd: "{{FIX}}/forever.mjs web", env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  flush: { cmd: "/bin/sh -c 'echo replica unreachable >&2; exit 2'", shell: false }
`);
    const q = startQuiesce(dir, file);
    await ready(q, 'web');
    const r = await cli(['stop', '--fast', '-c', file]);
    expect(r.code).toBe(4);
    expect(r.out).toContain('fast shutdown started (control:stop)');
    expect(r.out).toContain('SHUTDOWN flush: exit code 2');
    expect(r.out).toContain('  | replica unreachable');
    expect(r.out).toMatch(/exit code 4: NOT safe to fail over/);
    expect(readMarks(join(dir, 'marks')).map((m) => m.what)).toEqual(['web-start', 'web-got-SIGTERM', 'web-exit']);
    expect((await q.exited).code).toBe(4);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ShutdownReportDocument;
    expect(report.verdict).toMatchObject({ exitCode: 4, safeToFailOver: false });
    expect(report.commands).toEqual([expect.objectContaining({ entry: 'flush', ok: false, outcome: 'exit code 2', outputTail: ['replica unreachable'] })]);
  });
});

describe('quiesce reload', () => {
  it('applies a changed file and says what changed; a broken file exits 78 and the instance keeps running', async () => {
    const dir = tempDir();
    const base = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync" }
`;
    const file = writeConfig(dir, base);
    const q = startQuiesce(dir, file);
    await ready(q, 'sync');
    writeConfig(dir, `${base}  extra: { cmd: "{{FIX}}/forever.mjs extra" }\n`);
    const applied = await cli(['reload', '-c', file]);
    expect(applied).toMatchObject({ code: 0, out: `quiesce: reloaded ${file} (generation 2): added extra; removed none; changed none\n` });
    await ready(q, 'extra');

    writeConfig(dir, `${base}  broken: { cmd: "{{FIX}}/forever.mjs", quit_timeout: soon }\n`);
    const problem = new RegExp(`${file}:5:\\d+: DAEMON\\.broken\\.quit_timeout: expected a duration`);
    // -c still finds the socket (only SUPERVISOR.pidfile/control_socket must be valid); the instance
    // reads the file, rejects it and says why
    const rejected = await cli(['reload', '-c', file]);
    expect(rejected.code).toBe(78);
    expect(rejected.err).toContain(`reload rejected, still running generation 2 of ${file} (the previous config):`);
    expect(rejected.err).toMatch(problem);
    await q.waitForLog(ev('config.reload-rejected'));
    // a file that no longer says where the socket is: the CLI says so, with the same exit code
    writeConfig(dir, `${base.replace('q.pid" }', 'q.pid", control_socket: [7] }')}`);
    const lost = await cli(['reload', '-c', file]);
    expect(lost.code).toBe(78);
    expect(lost.err).toMatch(new RegExp(`${file}:2:\\d+: SUPERVISOR\\.control_socket: `));
    expect((await cli(['status', '--json', '--socket', join(dir, 'q.sock')])).code).toBe(0);
    writeConfig(dir, base);
    const after = await status(file);
    expect(after.phase).toBe('running');
    expect(after.units.map((u) => u.name).sort()).toEqual(['extra', 'sync']);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
  });
});

describe('several instances on one host', () => {
  it('each has its own pidfile and control socket; -c and --socket pick one, stopping one leaves the other', async () => {
    const dir = tempDir();
    const conf = (name: string) => writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/${name}.pid" }
DAEMON:
  ${name}: { cmd: "{{FIX}}/forever.mjs ${name}" }
`, `${name}.yaml`);
    const [one, two] = [conf('one'), conf('two')];
    const q1 = startQuiesce(dir, one);
    const q2 = startQuiesce(dir, two);
    await ready(q1, 'one');
    await ready(q2, 'two');
    expect((await status(one)).pid).toBe(q1.pid);
    const viaSocket = await cli(['status', '--json', '--socket', join(dir, 'two.sock')]);
    expect((JSON.parse(viaSocket.out) as StatusSnapshot)).toMatchObject({ pid: q2.pid, units: [expect.objectContaining({ name: 'two' })] });
    expect((await cli(['stop', '-c', one])).code).toBe(0);
    expect((await q1.exited).code).toBe(0);
    expect((await status(two)).phase).toBe('running');
    expect((await cli(['stop', '--socket', join(dir, 'two.sock')])).code).toBe(0);
    expect((await q2.exited).code).toBe(0);
  });
});
