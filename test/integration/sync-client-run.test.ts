// One bounded sync_client run, driven with tiny shell stand-ins: exit code and output kept, the
// whole process group killed on timeout (SIGTERM, then SIGKILL), early stop on "Can not connect".
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../../src/clock.js';
import { runSyncClient, type RunLimits } from '../../src/replication/sync-client-run.js';
import { waitForGone } from '../e2e/harness/process.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiesce-syncrun-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const limits: RunLimits = { timeoutMs: 400, killGraceMs: 400, stopOnConnectFailure: true };

describe('runSyncClient', () => {
  it('reports the exit code and the output of a run that ends by itself', async () => {
    const o = await runSyncClient([script('exit3', 'echo "MAILBOX user.alice"; echo oops >&2; exit 3')], limits, realClock);
    expect(o).toMatchObject({ kind: 'exited', code: 3, signal: null });
    if (o.kind === 'exited') expect(o.output).toMatch(/MAILBOX user.alice\n(.|\n)*oops/);
  });

  it('stops at the first "Can not connect to server" line instead of waiting in the backoff', async () => {
    const started = Date.now();
    const o = await runSyncClient([script('backoff', `echo "Can not connect to server '127.0.0.1', retrying in 15 seconds" >&2\nexec sleep 30`)], { ...limits, timeoutMs: 20_000 }, realClock);
    expect(o).toMatchObject({ kind: 'unreachable', line: "Can not connect to server '127.0.0.1', retrying in 15 seconds" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('on timeout kills the whole process group, SIGKILL after the grace when SIGTERM is ignored', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const started = Date.now();
    const o = await runSyncClient([script('stubborn', `trap '' TERM\nsleep 30 &\necho $! > ${pidFile}\nwait`)], limits, realClock);
    expect(o.kind).toBe('timed-out');
    expect(Date.now() - started).toBeGreaterThanOrEqual(limits.timeoutMs + limits.killGraceMs - 50);
    expect(await waitForGone(Number(readFileSync(pidFile, 'utf8')), 5_000)).toBe(true);
  });

  it('reports a program that cannot be started', async () => {
    const o = await runSyncClient([join(dir, 'no-such-sync_client'), '-R', '-1'], limits, realClock);
    expect(o).toMatchObject({ kind: 'spawn-failed', message: expect.stringMatching(/ENOENT/) as string });
  });

  it('stops a run when cancelled', async () => {
    const cancel = new AbortController();
    cancel.abort();
    const o = await runSyncClient([script('long', 'exec sleep 30')], { ...limits, timeoutMs: 20_000 }, realClock, cancel.signal);
    expect(o.kind).toBe('cancelled');
  });
});
