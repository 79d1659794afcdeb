// init/: the SysV script starts and stops the demo config; the systemd unit is consistent with it.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, ROOT, cleanup, cli, isAlive, tempDir } from './harness.js';

const run = promisify(execFile);
let started: number | undefined;

afterEach(async () => {
  // The script started quiesce; if the test failed half-way, end it by its pid (and its children by tag).
  if (started !== undefined && isAlive(started)) process.kill(started, 'SIGKILL');
  started = undefined;
  await cleanup();
});

/** The demo config, moved into `dir` (its state and pidfile paths). */
function demoIn(dir: string): string {
  const yaml = readFileSync(join(ROOT, 'conf/demo.yaml'), 'utf8').replaceAll('/tmp/quiesce-demo', dir).replace('bin_dir: demo', `bin_dir: ${join(ROOT, 'conf/demo')}`);
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, yaml);
  return file;
}

const hasStartStopDaemon = existsSync('/sbin/start-stop-daemon') || existsSync('/usr/sbin/start-stop-daemon');

describe.skipIf(!hasStartStopDaemon)('SysV init script', () => {
  it('starts the demo, reports status, and stops it gracefully with SIGQUIT', async () => {
    const dir = tempDir();
    const env = {
      ...process.env,
      PATH: `${process.env.PATH ?? ''}:/sbin:/usr/sbin`,
      QUIESCE: CLI,
      QUIESCE_CONFIG: demoIn(dir),
      QUIESCE_PIDFILE: join(dir, 'quiesce.pid'),
      QUIESCE_LOG: join(dir, 'quiesce.log'),
      STOP_TIMEOUT: '30',
    };
    const script = join(ROOT, 'init/quiesce.sysv');
    const start = await run(script, ['start'], { env });
    expect(start.stdout).toMatch(/quiesce started \(pid \d+\)/);
    started = Number(readFileSync(join(dir, 'quiesce.pid'), 'utf8'));
    expect((await run(script, ['status'], { env })).stdout).toMatch(`quiesce running (pid ${started})`);
    const stop = await run(script, ['stop'], { env });
    expect(isAlive(started)).toBe(false);
    const done = JSON.parse(stop.stdout.trim().split('\n').pop() ?? '{}') as { event?: string; exitCode?: number };
    expect(done).toMatchObject({ event: 'shutdown.done', exitCode: 0 });
    const log = readFileSync(join(dir, 'quiesce.log'), 'utf8');
    expect(log).toContain('"event":"signal.received","signal":"SIGQUIT"');
    expect(log).toContain('"event":"shutdown.command-done","entry":"flush"');
    await expect(run(script, ['status'], { env })).rejects.toMatchObject({ code: 3 });
  });
});

describe('systemd unit', () => {
  const unit = readFileSync(join(ROOT, 'init/quiesce.service'), 'utf8');
  const value = (key: string) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];
  it('is a notify unit: READY=1 comes from quiesce itself, through systemd-notify speaking for its parent', () => {
    expect(value('Type')).toBe('notify');
    expect(value('NotifyAccess')).toBe('main');
    // START may take as long as start_timeout (600s by default) before READY=1
    expect(Number(value('TimeoutStartSec')?.replace(/s$/, ''))).toBeGreaterThanOrEqual(600);
  });
  it('stops with SIGQUIT to quiesce alone, reloads with SIGHUP', () => {
    expect(value('KillSignal')).toBe('SIGQUIT');
    expect(value('KillMode')).toBe('mixed');
    expect(value('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
  });
  it('gives the shutdown more time than the worst case of the replication master example', async () => {
    const dir = tempDir();
    // the example with its imapd.conf pointing at the shipped fragment (sync_log: yes) plus a configdirectory
    const imapd = join(dir, 'imapd.conf');
    writeFileSync(imapd, `configdirectory: ${dir}/lib\n${readFileSync(join(ROOT, 'conf/imapd-master.conf.example'), 'utf8')}`);
    const yaml = readFileSync(join(ROOT, 'conf/replication-master.yaml'), 'utf8').replaceAll('/etc/imapd-a-master.conf', imapd);
    const conf = join(dir, 'master.yaml');
    writeFileSync(conf, yaml);
    const plan = await cli(['plan', '-c', conf, '--unit', join(ROOT, 'init/quiesce.service')]);
    expect(plan.out).toContain('wait for sync_client to empty the sync logs');
    expect(plan.code, plan.out + plan.err).toBe(0);
  });
});
