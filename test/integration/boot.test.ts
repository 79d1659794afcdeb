// dist/boot.cjs: the bundle starts with the code cache the build made, and starts without it, the
// same program, whenever the cache is missing, stale, damaged or made by another Node or flags.
// Each case runs a copy of the built program (init/quiesce, dist/, package.json) in a temp dir.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, ROOT, tempDir } from './harness.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** A copy of the built program; returns its root. */
function installCopy(): string {
  const root = tempDir('quiesce-boot-');
  mkdirSync(join(root, 'dist'));
  mkdirSync(join(root, 'init'));
  for (const f of ['boot.cjs', 'quiesce.cjs', 'quiesce.cjs.cache']) copyFileSync(join(ROOT, 'dist', f), join(root, 'dist', f));
  copyFileSync(join(ROOT, 'init/quiesce'), join(root, 'init/quiesce'));
  copyFileSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(ROOT, 'conf'), join(root, 'conf'), { recursive: true });
  return root;
}

/** Runs `args` through the copy's init/quiesce (or plain `node dist/boot.cjs`) with the cache's use reported. */
function run(root: string, args: string[], opts: { plainNode?: boolean; env?: Record<string, string> } = {}): { status: number | null; stdout: string; report: string } {
  const argv = opts.plainNode === true ? [process.execPath, join(root, 'dist/boot.cjs'), ...args] : [join(root, 'init/quiesce'), ...args];
  const [file = '', ...rest] = argv;
  const r = spawnSync(file, rest, { encoding: 'utf8', env: { ...process.env, QUIESCE_NODE: process.execPath, QUIESCE_CODE_CACHE: 'report', ...opts.env } });
  const report = r.stderr.split('\n').find((l) => l.startsWith('quiesce: code cache ')) ?? '';
  return { status: r.status, stdout: r.stdout, report };
}

afterAll(cleanup);

describe('dist/boot.cjs and the code cache', () => {
  it('the build leaves a cache no older than the bundle, and init/quiesce starts with it', () => {
    expect(statSync(join(ROOT, 'dist/quiesce.cjs.cache')).mtimeMs).toBeGreaterThanOrEqual(statSync(join(ROOT, 'dist/quiesce.cjs')).mtimeMs);
    const root = installCopy();
    const r = run(root, ['--version']);
    expect(r).toEqual({ status: 0, stdout: `${VERSION}\n`, report: `quiesce: code cache ${join(root, 'dist/quiesce.cjs.cache')}: used` });
  });

  it('the bundle has no import() left: a vm.Script cannot run one in Node 20 (it needs --experimental-vm-modules)', () => {
    // esbuild turns an import() of a module of ours into a require; one of a builtin stays
    expect(readFileSync(join(ROOT, 'dist/quiesce.cjs'), 'utf8').match(/\bimport\(["'`]/g)).toBeNull();
  });

  it('Node without init/quiesce flags: V8 rejects the cache and the program runs the same', () => {
    const root = installCopy();
    const r = run(root, ['--version'], { plainNode: true });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${VERSION}\n`);
    expect(r.report).toMatch(/: rejected by V8 .*compiled afresh$/);
  });

  it('a damaged cache is rejected, a stale or missing one is not offered: each start still works', () => {
    const root = installCopy();
    const cache = join(root, 'dist/quiesce.cjs.cache');
    const bytes = readFileSync(cache);
    writeFileSync(cache, bytes.subarray(0, bytes.length >> 1)); // cut in half
    expect(run(root, ['check', '-c', join(root, 'conf/demo.yaml')])).toMatchObject({ status: 0, report: expect.stringMatching(/: rejected by V8 /) as unknown });
    writeFileSync(cache, bytes);
    const old = new Date(statSync(join(root, 'dist/quiesce.cjs')).mtimeMs - 60_000);
    utimesSync(cache, old, old);
    expect(run(root, ['--version'])).toMatchObject({ status: 0, stdout: `${VERSION}\n`, report: expect.stringMatching(/: not used: older than the bundle$/) as unknown });
    expect(run(root, ['--version'], { env: { QUIESCE_CODE_CACHE: 'off' } }).status).toBe(0);
  });

  it('QUIESCE_CODE_CACHE=write makes a cache the next start uses', () => {
    const root = installCopy();
    const cache = join(root, 'dist/quiesce.cjs.cache');
    writeFileSync(cache, 'not a cache');
    expect(run(root, ['check', '-c', join(root, 'conf/demo.yaml')], { env: { QUIESCE_CODE_CACHE: 'write' } }).status).toBe(0);
    expect(existsSync(cache) && statSync(cache).size > 100_000).toBe(true);
    expect(run(root, ['--version']).report).toMatch(/: used$/);
  });
});
