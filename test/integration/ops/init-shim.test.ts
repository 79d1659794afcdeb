import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initShimArgv, needsInitShim } from '../../../src/ops/init-shim.js';

const MAKER = fileURLToPath(new URL('../../fixtures/bin/orphan-maker.mjs', import.meta.url));

/** unshare needs CAP_SYS_ADMIN; probe once instead of failing obscurely. */
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

function inNewPidNamespace(env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: { pid: number; orphans: number[]; zombies: number[] } }> {
  const p = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, MAKER], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let out = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return once(p, 'exit').then(([code]) => ({ code: code as number | null, report: JSON.parse(out.trim()) as { pid: number; orphans: number[]; zombies: number[] } }));
}

describe('init shim', () => {
  it('is needed only as PID 1 and not twice', () => {
    expect(needsInitShim(1, {})).toBe(true);
    expect(needsInitShim(1, { QUIESCE_INIT_SHIM: '1' })).toBe(false);
    expect(needsInitShim(4242, {})).toBe(false);
    expect(initShimArgv(['/usr/bin/node', 'cli.js', 'run']).slice(-3)).toEqual(['/usr/bin/node', 'cli.js', 'run']);
  });

  it.runIf(canUnshare)('as PID 1 of a PID namespace, orphans that exit are reaped and the exit code comes through', async () => {
    const { code, report } = await inNewPidNamespace({});
    expect(report.pid).not.toBe(1); // the supervisor ran under the shim, not as PID 1
    expect(report.orphans).toHaveLength(3);
    expect(report.zombies).toEqual([]);
    expect(code).toBe(7);
  });

  it.runIf(canUnshare)('without the shim, Node as PID 1 leaves them zombies (why the shim exists)', async () => {
    const { code, report } = await inNewPidNamespace({ NO_SHIM: '1' });
    expect(report.pid).toBe(1);
    expect(report.zombies.sort()).toEqual([...report.orphans].sort());
    expect(code).toBe(7);
  });

  it('forwards SIGTERM to quiesce and exits with its code', async () => {
    const p = spawn(process.execPath, [MAKER, 'wait-for-term'], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, FORCE_SHIM: '1' } });
    const [ready] = (await once(p.stdout.setEncoding('utf8'), 'data')) as [string];
    expect(ready).toBe('ready\n');
    const exited = once(p, 'exit');
    p.kill('SIGTERM');
    expect((await exited)[0]).toBe(42);
  });
});
