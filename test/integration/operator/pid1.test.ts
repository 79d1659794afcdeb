// quiesce as PID 1 of a container (a new PID namespace): orphaned grandchildren are reaped, signals
// reach quiesce, and its exit code is the container's.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, watch } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI, cleanup, tempDir, writeConfig, type LogLine } from '../harness.js';

/** unshare needs CAP_SYS_ADMIN; probe once instead of failing obscurely. */
const canUnshare = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

let container: ChildProcess | undefined;
afterEach(async () => {
  // SIGKILL to the unshare group: the namespace's init dies and the kernel ends everything in it
  if (container?.exitCode === null && container.signalCode === null) {
    try { process.kill(-(container.pid ?? 0), 'SIGKILL'); } catch { /* gone */ }
    await once(container, 'exit');
  }
  container = undefined;
  await cleanup();
});

/** pid -> [ppid, state] of every process, as this (the host's) namespace sees them. */
function processTable(): Map<number, [number, string]> {
  const table = new Map<number, [number, string]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state = '', ppid = '0'] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), [Number(ppid), state]);
    } catch {
      // gone
    }
  }
  return table;
}

const childrenOf = (pid: number) => [...processTable()].filter(([, [ppid]]) => ppid === pid).map(([p, [, state]]) => ({ pid: p, state }));

describe.runIf(canUnshare)('quiesce as PID 1', () => {
  it('reaps the orphans its children leave, forwards SIGQUIT to the supervisor and exits with its code', async () => {
    const dir = tempDir();
    const orphans = `${dir}/orphans`;
    // sh starts three subshells and exits at once: they are orphans, reparented to PID 1
    const file = writeConfig(dir, `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid" }
START:
  orphans: { cmd: "/bin/sh -c 'for i in 1 2 3; do (sleep 0.2; echo gone >> ${orphans}) & done'" }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync" }
`);
    const c = spawn('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, CLI, 'run', '-c', file, '--log-format', 'json'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    container = c;
    const logs: LogLine[] = [];
    let buffer = '';
    const running = new Promise<void>((resolve) => {
      c.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const l of lines) {
          try { logs.push(JSON.parse(l) as LogLine); } catch { logs.push({ msg: l }); }
          if (logs.at(-1)?.event === 'supervisor.running') resolve();
        }
      });
    });
    const exited = once(c, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await running;
    const starting = logs.find((l) => l.event === 'supervisor.starting');
    expect(starting?.supervisorPid).not.toBe(1); // the init shim is PID 1, quiesce its child

    // the namespace's PID 1 is unshare's only child; quiesce is the shim's only child once the orphans are gone
    const [shim] = childrenOf(c.pid ?? -1);
    expect(shim).toBeDefined();
    await new Promise<void>((resolve) => {
      const count = () => { try { return readFileSync(orphans, 'utf8').split('\n').filter(Boolean).length; } catch { return 0; } };
      const w = watch(dir, () => { if (count() === 3) { w.close(); resolve(); } });
      if (count() === 3) { w.close(); resolve(); }
    });
    // Nothing signals "reaped" to an outsider: look at the shim's children until only quiesce is
    // left (bounded; without the shim the three stay zombies and this fails).
    let left = childrenOf(shim!.pid);
    for (let i = 0; i < 250 && left.length > 1; i++) {
      await delay(20);
      left = childrenOf(shim!.pid);
    }
    expect(left.filter((p) => p.state === 'Z')).toEqual([]);
    expect(left).toHaveLength(1);

    process.kill(shim!.pid, 'SIGQUIT');
    const [code] = await exited;
    expect(code).toBe(0);
    expect(logs.find((l) => l.event === 'shutdown.begin')).toMatchObject({ mode: 'graceful', trigger: 'SIGQUIT' });
  });
});
