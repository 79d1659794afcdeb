// `quiesce start` and `quiesce swap` with fixture programs standing in for the Cyrus instances.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanup, cli, isAlive, tempDir, writeConfig } from './harness.js';

const started: string[] = [];

afterEach(async () => {
  // instances started in the background by `quiesce start`: end them by the pid in their pidfile
  for (const pidfile of started.splice(0)) {
    try {
      const pid = Number(readFileSync(pidfile, 'utf8'));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    } catch {
      // not running
    }
  }
  await cleanup();
});

/** One side's config in one role: a forever.mjs named after side and role, and optionally a failing SHUTDOWN command. */
function side(dir: string, name: string, role: string, failingFlush = false): string {
  const pid = join(dir, `${name}-${role}.pid`);
  started.push(pid);
  return writeConfig(dir, `
SUPERVISOR: { pidfile: "${pid}", quit_timeout: 5s }
SERVICES:
  svc: { cmd: "{{FIX}}/forever.mjs ${name}-${role}" }
${failingFlush ? 'SHUTDOWN:\n  flush: { cmd: "{{FIX}}/mark.mjs flush 2" }\n' : ''}`, `${name}-${role}.yaml`);
}

function pairFile(dir: string): string {
  const file = join(dir, 'pair.yaml');
  writeFileSync(file, `
quiesce: ["${process.execPath}", "${CLI}"]
sides:
  a: { master: a-master.yaml, replica: a-replica.yaml }
  b: { master: b-master.yaml, replica: b-replica.yaml }
step_timeout: 60s
`);
  return file;
}

/** Both sides' configs in both roles, A started as master and B as replica. */
async function startedPair(failingFlush = false): Promise<{ dir: string; aMaster: string; bReplica: string }> {
  const dir = tempDir();
  const aMaster = side(dir, 'a', 'master', failingFlush);
  side(dir, 'a', 'replica');
  side(dir, 'b', 'master');
  const bReplica = side(dir, 'b', 'replica');
  expect((await cli(['start', '-c', aMaster])).code).toBe(0);
  expect((await cli(['start', '-c', bReplica])).code).toBe(0);
  return { dir, aMaster, bReplica };
}

describe('quiesce swap', () => {
  it('stops the master and the replica, starts each in the other role, and exits 0', async () => {
    const { dir, aMaster } = await startedPair();
    const r = await cli(['swap', '--pair', pairFile(dir)]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/master: a, replica: b \(replica running\)/);
    expect(r.out).toMatch(/swapped: b is the master, a the replica/);
    const status = JSON.parse((await cli(['status', '--json', '-c', join(dir, 'b-master.yaml')])).out) as { phase: string };
    expect(status.phase).toBe('running');
    expect((await cli(['status', '--json', '-c', join(dir, 'a-replica.yaml')])).code).toBe(0);
    expect((await cli(['status', '-c', aMaster])).code).toBe(69);
  });

  it('refuses to go on when the master cannot verify its flush (exit 4), and says where each side is', async () => {
    const { dir, bReplica } = await startedPair(true);
    const r = await cli(['swap', '--pair', pairFile(dir)]);
    expect(r.code).toBe(4);
    expect(r.err).toMatch(/refusing to swap: the master a could not verify/);
    expect(r.err).toMatch(/a: stopped, flush NOT verified/);
    expect(r.err).toMatch(/b: replica running/);
    expect((await cli(['status', '-c', bReplica])).code).toBe(0);
  });

  it('with --force goes on and says what will be missing', async () => {
    const { dir } = await startedPair(true);
    const r = await cli(['swap', '--pair', pairFile(dir), '--force']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/--force: going on although a could not replicate everything/);
  });

  it('stops at a failing step and prints the commands that continue it', async () => {
    const dir = tempDir();
    const aMaster = side(dir, 'a', 'master');
    side(dir, 'a', 'replica');
    const bReplica = side(dir, 'b', 'replica');
    writeConfig(dir, 'SERVICES:\n  svc: { cmd: "/nonexistent/program" }\n', 'b-master.yaml'); // b cannot become master
    expect((await cli(['start', '-c', aMaster])).code).toBe(0);
    expect((await cli(['start', '-c', bReplica])).code).toBe(0);
    const r = await cli(['swap', '--pair', pairFile(dir)]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/swap stopped at "start b as master"/);
    expect(r.err).toMatch(/a: stopped, flush verified/);
    expect(r.err).toMatch(/b: master starting/);
    expect(r.err).toMatch(/To continue by hand.*\n.*start -c .*b-master\.yaml\n.*start -c .*a-replica\.yaml/);
  });
});
