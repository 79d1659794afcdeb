// What the log says of normal work: a one-shot that exits 0 and a worker that leaves after serving
// its share are expected exits, never "lost" and never a warning; pretty logs are one sentence per
// line with the right level names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, ev, startQuiesce, tempDir, waitForFile, writeConfig, type LogLine } from './harness.js';

afterEach(cleanup);

const CONFIG = `
SUPERVISOR: { pidfile: "{{DIR}}/q.pid", quit_timeout: 5s }
START:
  prepare: { cmd: "{{FIX}}/mark.mjs prepare", env: { MARKER: "{{DIR}}/marks" } }
SERVICES:
  # leaves at once with exit 0, as imapd -U 30 does after its 30th client
  recycler: { cmd: "{{FIX}}/mark.mjs worker", maxforkrate: 5, env: { MARKER: "{{DIR}}/marks" } }
EVENTS:
  tick: { cmd: "{{FIX}}/mark.mjs tick", period: 1m, env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush", env: { MARKER: "{{DIR}}/marks" } }
`;

/** Waits until the marks file shows three worker runs and the event's run. */
const busyEnough = (dir: string): Promise<string> => waitForFile(join(dir, 'marks'), /(worker[^]*){3}/).then(() => waitForFile(join(dir, 'marks'), /tick/));

describe('logs of normal work', () => {
  it('START, EVENTS and SHUTDOWN runs that exit 0 and recycling workers are expected exits: no worker-lost, no warning', async () => {
    const dir = tempDir();
    const q = startQuiesce(dir, writeConfig(dir, CONFIG));
    await busyEnough(dir);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    const exits = q.logs.filter(ev('child.exited'));
    for (const section of ['START', 'SERVICES', 'EVENTS', 'SHUTDOWN']) expect(exits.some((l) => l.section === section), section).toBe(true);
    expect(exits.filter((l) => l.expected !== true)).toEqual([]);
    expect(q.logs.filter(ev('service.worker-lost'))).toEqual([]);
    expect(q.logs.filter((l: LogLine) => typeof l.level === 'number' && l.level >= 40)).toEqual([]);
    // recycling is debug: at info, a worker's start and normal exit are not logged
    expect(q.logs.filter(ev('child.started', { entry: 'recycler' })).every((l) => l.level === 20)).toBe(true);
    expect(exits.filter((l) => l.entry === 'recycler').every((l) => l.level === 20)).toBe(true);
  });

  it('pretty: one sentence per line, real level names, no field dumps, nothing "unexpectedly"', async () => {
    const dir = tempDir();
    const q = startQuiesce(dir, writeConfig(dir, CONFIG), ['run', '-c', join(dir, 'quiesce.yaml'), '--log-format', 'pretty'], { QUIESCE_LOG_LEVEL: 'info' });
    await busyEnough(dir);
    q.kill('SIGQUIT');
    expect((await q.exited).code).toBe(0);
    const lines = q.logs.map((l) => l.msg ?? '');
    expect(lines.find((l) => /shutdown done in \d+ ms, exit code 0/.test(l))).toBeDefined();
    for (const line of lines) expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|DEBUG): /);
    expect(lines.filter((l) => /unexpectedly|recycler\[\d+\] exited|USERLVL/.test(l))).toEqual([]);
    expect(readFileSync(join(dir, 'marks'), 'utf8')).toMatch(/flush/);
  });
});
