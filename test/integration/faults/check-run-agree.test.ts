// Property, end to end: whatever `quiesce check` accepts, `quiesce run` runs; whatever it refuses,
// run refuses with the same exit code 78. Seeded mutations of a small config of fixture programs.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, startQuiesce, tempDir, writeConfig, type LogLine } from '../harness.js';
import { mutate, prng } from '../../mutate.js';

afterAll(cleanup);

const BASE = `
SUPERVISOR:
  pidfile: "{{DIR}}/q.pid"
  quit_timeout: 2s
  term_timeout: 1s
  restart_delay: 100ms
START:
  prepare: { cmd: "{{FIX}}/mark.mjs prepare" }
SERVICES:
  echo: { cmd: "{{FIX}}/accept-reply.mjs", listen: "{{DIR}}/echo.sock", prefork: 1, maxchild: 4 }
EVENTS:
  tick: { cmd: "{{FIX}}/mark.mjs tick", period: 30 }
DAEMON:
  sync: { cmd: "{{FIX}}/forever.mjs sync", env: { MARKER: "{{DIR}}/marks" } }
SHUTDOWN:
  flush: { cmd: "{{FIX}}/mark.mjs flush", timeout: 5s }
`;

const MUTATIONS = 20;

describe('check and run agree on mutated files', () => {
  it(`${MUTATIONS} seeded mutations: refused by both (78), or run reaches running and stops cleanly`, async () => {
    const rand = prng(11);
    const seen = { refused: 0, ran: 0 };
    for (let i = 0; i < MUTATIONS; i++) {
      const dir = tempDir();
      const base = writeConfig(dir, BASE, 'base.yaml');
      const file = writeConfig(dir, mutate(readFileSync(base, 'utf8'), rand, 1));
      // check and run side by side: neither waits for the other's verdict
      const q = startQuiesce(dir, file);
      const checked = await cli(['check', '-c', file]);
      const what = `mutation ${i}:\n${readFileSync(file, 'utf8')}\ncheck said:\n${checked.out}${checked.err}`;
      expect([0, 78], what).toContain(checked.code);
      if (checked.code === 78) {
        expect((await q.exited).code, what).toBe(78);
        seen.refused += 1;
        continue;
      }
      // Accepted: run starts it (a START command the mutation broke may fail it: exit 1, said so).
      const first = await q.waitForLog((l: LogLine) => l.event === 'supervisor.running' || l.event === 'start.failed' || l.event === 'supervisor.exit', 'running, a START failure or an exit');
      if (first.event === 'supervisor.running') {
        q.kill('SIGQUIT');
        const { code } = await q.exited;
        expect([0, 3, 4], `${what}\nexit ${code}`).toContain(code);
      } else {
        const { code } = await q.exited;
        expect(code, `${what}\n${JSON.stringify(first)}`).toBe(1);
      }
      expect(q.logs.filter((l) => l.event === 'supervisor.error'), what).toEqual([]);
      seen.ran += 1;
    }
    expect(seen.refused).toBeGreaterThan(3);
    expect(seen.ran).toBeGreaterThan(3);
  });
});
