// Property: whatever the loader accepts, the system calls accept; whatever it rejects, it rejects
// with positioned, printable diagnostics; and it never throws. Random mutations (seeded, so a
// failure repeats) of the example configs: values replaced by hostile ones, keys renamed or
// dropped, the text cut short, bytes inserted, lines doubled.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import { LIMITS } from '../../../src/config/limits.js';
import type { Config } from '../../../src/config/types.js';
import { formatDiagnostic } from '../../../src/errors.js';
import { mutate, prng } from '../../mutate.js';

/** What the system calls will get from an accepted config, checked by Node's own validation. */
function acceptedBySystemCalls(c: Config): string[] {
  const problems: string[] = [];
  const entries = [...c.start, ...c.services, ...c.events, ...c.daemons, ...c.shutdown];
  // spawnSync validates argv, env and cwd (NUL bytes, types) before it tries to exec, which then
  // fails: there is no such program. One call for all entries: every argv word and cwd as an
  // argument, every env variable (names made unique) in the environment.
  try {
    const args = entries.flatMap((e) => [...e.argv, ...(e.cwd === undefined ? [] : [e.cwd])]);
    const env = Object.fromEntries(entries.flatMap((e, i) => Object.entries({ ...e.env, CYRUS_SERVICE: e.name }).map(([k, v]) => [`${k}_${i}`, v])));
    spawnSync('/nonexistent/quiesce-mutation-probe', args, { env });
  } catch (error) {
    problems.push(`spawn refuses it: ${(error as Error).message}`);
  }
  for (const e of entries) {
    if (e.argv.some((a) => a.includes('\0'))) problems.push(`${e.name}: NUL in argv`);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.name)) problems.push(`${e.name}: name`);
    if (e.section === 'SERVICES') {
      if (e.listen?.kind === 'unix' && Buffer.byteLength(e.listen.path) > LIMITS.unixPathBytes) problems.push(`${e.name}: unix path too long`);
      if (e.listen?.kind === 'tcp' && !(e.listen.port >= 1 && e.listen.port <= 65535)) problems.push(`${e.name}: port`);
      if (e.prefork > LIMITS.prefork) problems.push(`${e.name}: prefork`);
    }
    for (const ms of [e.quitTimeoutMs, e.termTimeoutMs]) if (!(Number.isSafeInteger(ms) && ms <= LIMITS.durationMs)) problems.push(`${e.name}: duration ${ms}`);
  }
  const s = c.supervisor;
  if (!(Number.isInteger(s.metricsPort) && s.metricsPort >= 0 && s.metricsPort <= 65535)) problems.push('metrics_port');
  if (!(s.listenBacklog >= 1 && s.listenBacklog <= LIMITS.listenBacklog)) problems.push('listen_backlog');
  for (const p of [s.pidfile, s.controlSocket, s.reportFile, s.logFile, s.syslogSocket, s.binDir, s.cyrusConfig]) if (p?.includes('\0')) problems.push(`NUL in ${p}`);
  if (Buffer.byteLength(s.controlSocket) > LIMITS.unixPathBytes) problems.push('control socket too long');
  return problems;
}

const confDir = 'conf';
const examples = readdirSync(confDir).filter((f) => f.endsWith('.yaml') && f !== 'pair.yaml').map((f) => [f, readFileSync(join(confDir, f), 'utf8')] as const);

describe('random mutations of the example configs', () => {
  it.each(examples)('%s: accepted means runnable, rejected means positioned and printable, never a throw', (name, text) => {
    const rand = prng([...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 300; i++) {
      const mutated = mutate(text, rand);
      const lines = mutated.split('\n').length;
      const r = parseConfigText(mutated, `/etc/quiesce/${name}`, { checkExecutables: false });
      if (r.ok) {
        accepted += 1;
        expect({ mutated, problems: acceptedBySystemCalls(r.value) }).toEqual({ mutated, problems: [] });
      } else {
        rejected += 1;
        for (const d of r.error) {
          const line = formatDiagnostic(d);
          expect(d.line, line).toBeGreaterThanOrEqual(1);
          expect(d.line, line).toBeLessThanOrEqual(lines + 1);
          // eslint-disable-next-line no-control-regex -- what must never be printed
          expect(line, 'printable').not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
          expect(line.length, 'short').toBeLessThan(1500);
        }
      }
    }
    // the mutations exercise both sides
    expect(accepted).toBeGreaterThan(10);
    expect(rejected).toBeGreaterThan(10);
  });
});
