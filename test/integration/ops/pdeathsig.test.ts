import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { findLeftovers, isSupervisorAlive, parseTag, processStartMs } from '../../../src/ops/leftovers.js';
import { findInPath } from '../../../src/path-search.js';
import { withPdeathsig } from '../../../src/ops/pdeathsig.js';

/**
 * A stand-in supervisor: spawns a tagged `sleep` (its stdout is the test's pipe, so the pipe closes
 * only when the sleep is gone too), prints the sleep's pid, and waits to be SIGKILLed.
 */
const FAKE_SUPERVISOR = `
const { spawn } = require('node:child_process');
const argv = JSON.parse(process.argv[1]);
const tag = process.pid + '.' + Date.now() + '.1';
const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, QUIESCE_TAG: tag }, detached: true });
child.on('spawn', () => process.stdout.write(child.pid + ' ' + tag + '\\n'));
setInterval(() => {}, 1 << 30);
`;

async function startFakeSupervisor(childArgv: readonly string[]): Promise<{ supervisorPid: number; childPid: number; tag: string; childGone: Promise<unknown>; kill: () => Promise<unknown> }> {
  const sup = spawn(process.execPath, ['-e', FAKE_SUPERVISOR, JSON.stringify(childArgv)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = once(sup.stdout, 'close');
  const [chunk] = (await once(sup.stdout.setEncoding('utf8'), 'data')) as [string];
  const [pid, tag] = chunk.trim().split(' ');
  return {
    supervisorPid: sup.pid ?? -1,
    childPid: Number(pid),
    tag: tag ?? '',
    childGone: closed,
    kill: () => {
      const exited = once(sup, 'exit');
      sup.kill('SIGKILL');
      return exited;
    },
  };
}

const SLEEP = ['sleep', '3600'];

describe('supervisor death', () => {
  it('setpriv is found in PATH', () => {
    expect(findInPath('setpriv', process.env.PATH)).toMatch(/\/setpriv$/);
    expect(findInPath('no-such-program-quiesce', process.env.PATH)).toBeUndefined();
  });

  it('wraps argv with setpriv --pdeathsig, or leaves it alone without setpriv', () => {
    expect(withPdeathsig(['/usr/lib/cyrus/bin/imapd', '-U', '30'], '/usr/bin/setpriv')).toEqual(['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM', '--', '/usr/lib/cyrus/bin/imapd', '-U', '30']);
    expect(withPdeathsig(['imapd'], '/usr/bin/setpriv', 'SIGKILL')).toEqual(['/usr/bin/setpriv', '--pdeathsig', 'SIGKILL', '--', 'imapd']);
    expect(withPdeathsig(['imapd'], undefined)).toEqual(['imapd']);
  });

  it('a child wrapped with pdeathsig dies when its supervisor is SIGKILLed', async () => {
    const setpriv = findInPath('setpriv', process.env.PATH);
    const run = await startFakeSupervisor(withPdeathsig(SLEEP, setpriv));
    expect(findLeftovers().map((l) => l.pid)).not.toContain(run.childPid); // its supervisor is alive
    await run.kill();
    await run.childGone; // the sleep held the pipe open until it died
    expect(findLeftovers().map((l) => l.pid)).not.toContain(run.childPid);
  });

  it('without pdeathsig the child outlives its supervisor and is reported as a leftover', async () => {
    const run = await startFakeSupervisor(SLEEP);
    await run.kill();
    try {
      const leftovers = findLeftovers().filter((l) => l.pid === run.childPid);
      expect(leftovers).toEqual([{ pid: run.childPid, tag: run.tag, ...parseTag(run.tag), cmdline: 'sleep 3600' }]);
      expect(leftovers[0]?.supervisorPid).toBe(run.supervisorPid);
    } finally {
      process.kill(run.childPid, 'SIGKILL');
      await run.childGone;
    }
  });

  it('a reused pid does not count as the supervisor being alive', () => {
    const started = processStartMs(process.pid);
    expect(started).toBeDefined();
    expect(isSupervisorAlive(process.pid, Date.now())).toBe(true);
    // A tag from before this process started belongs to an earlier process with the same pid.
    expect(isSupervisorAlive(process.pid, (started ?? 0) - 60_000)).toBe(false);
  });
});
