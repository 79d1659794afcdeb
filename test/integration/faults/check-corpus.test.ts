// Every broken file of the corpus (test/fixtures/conf/broken) is refused the same way by `check`
// and by `run`: exit 78, every problem at FILE:LINE:COL, never a stack trace, nothing raw echoed.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, cli, ROOT } from '../harness.js';

afterAll(cleanup);

const dir = join(ROOT, 'test/fixtures/conf/broken');
const corpus = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

/** The diagnostics part of `check`/`run` output: every line but the closing count. */
const diagnostics = (err: string): string[] => err.split('\n').filter((l) => l !== '' && !/: \d+ problem\(s\)/.test(l));

// eslint-disable-next-line no-control-regex -- what must never reach a terminal
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('the corpus of broken files', () => {
  it('has one file per kind of problem (at least 45)', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(45);
  });

  it.each(corpus)('%s: check and run both exit 78 with the same positioned diagnostics', async (name) => {
    const file = join(dir, name);
    const [checked, ran] = await Promise.all([cli(['check', '-c', file]), cli(['run', '-c', file, '--log-format', 'json'])]);
    expect(checked.code).toBe(78);
    expect(ran.code).toBe(78);
    const lines = diagnostics(checked.err);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
      expect(l).not.toMatch(UNPRINTABLE);
    }
    expect(checked.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(checked.err.length).toBeLessThan(8_000); // excerpts, not kilobytes of echoed input
    expect(diagnostics(ran.err).slice(0, lines.length)).toEqual(lines);
  });

  it('a device or a huge file is refused before it is read whole', async () => {
    const r = await cli(['check', '-c', '/dev/zero']);
    expect(r).toMatchObject({ code: 78, err: '/dev/zero:1:1: the file is larger than 10 MiB; not a config file?\n/dev/zero: 1 problem(s)\n' });
  });

  it('status -c on a file whose YAML is broken says why (78), never an internal error', async () => {
    const r = await cli(['status', '-c', join(dir, 'alias-typo.yaml')]);
    expect(r.code).toBe(78);
    expect(r.err).toContain('alias `*bsae` refers to no anchor defined before it');
  });
});
