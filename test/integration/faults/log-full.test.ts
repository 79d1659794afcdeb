// The log is never a reason to stop supervising: a log file system that fills up while a child
// floods its output sends the log to stderr (said once), status keeps answering, a killed child is
// restarted, SIGUSR1 brings the file back once there is room, and SIGQUIT still exits 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTagged } from '../../../src/child/kill-tree.js';
import { cleanup, cli, ev, isAlive, startQuiesce, tempDir, waitForFile, writeConfig } from '../harness.js';

const mounts: string[] = [];
afterAll(async () => {
  // lazy: detached at once even while a quiesce that failed the test still holds its log open
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  await cleanup();
});

/** A 256 KiB tmpfs of this test's own (root can mount; the test says so when it cannot). */
function smallFileSystem(dir: string): string {
  const mnt = join(dir, 'logs');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  mounts.push(mnt);
  return mnt;
}

describe('a full log file system', () => {
  it('falls back to stderr, keeps supervising, and recovers on SIGUSR1 once there is room', async () => {
    const dir = tempDir();
    const logFile = join(smallFileSystem(dir), 'quiesce.log');
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", log_file: "${logFile}", restart_delay: 100ms }
DAEMON:
  chatty: { cmd: "{{FIX}}/flood.mjs chatty", env: { LINES: "4000" } }
`);
    // The log goes to the file; what reaches stderr (the harness reads it) is the fallback.
    const q = startQuiesce(dir, file);
    const failed = await q.waitForLog(ev('log.failed'));
    expect(failed).toMatchObject({ file: logFile, error: 'ENOSPC' });
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'flooded chatty', 'the first flood to end');

    const status = await cli(['status', '--json', '--socket', join(dir, 'q.sock')]);
    expect(status.code).toBe(0);
    const s = JSON.parse(status.out) as { phase: string; log: { failing: boolean; error: string; fallbackLines: number }; units: { name: string; pids: number[] }[] };
    expect(s).toMatchObject({ phase: 'running', log: { failing: true, error: 'ENOSPC' } });
    expect(s.log.fallbackLines).toBeGreaterThan(100);
    expect((await cli(['status', '--socket', join(dir, 'q.sock')])).out).toContain(`log: FAILING: cannot write ${logFile} (ENOSPC)`);

    // a child killed from outside is restarted, and floods again, all while the disk is full
    const pid = s.units.find((u) => u.name === 'chatty')?.pids[0] ?? 0;
    process.kill(pid, 'SIGKILL');
    await q.waitForLog(ev('daemon.restart-scheduled', { entry: 'chatty' }));
    await q.waitForLog((l) => l.event === 'child.output' && l.line === 'flooded chatty' && l.pid !== pid, 'the restarted flood to end');

    // room again; SIGUSR1 reopens the file and the log says it recovered, in the file
    truncateSync(logFile, 0);
    q.kill('SIGUSR1');
    const text = await waitForFile(logFile, /"event":"log\.recovered"/);
    expect(text).toMatch(/"event":"log\.reopened"/);
    expect(q.logs.filter((l) => l.event === 'log.failed')).toHaveLength(1); // said once, not per line
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    expect(readFileSync(logFile, 'utf8')).toMatch(/"event":"supervisor.exit","code":0/);
    expect(findTagged(`${q.pid}.`, true).filter(isAlive)).toEqual([]);
  });
});
