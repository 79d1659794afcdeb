#!/usr/bin/env node
// The command's entry (init/quiesce runs it): compiles the one-file bundle (quiesce.cjs, from
// cli.ts) with the V8 code cache that `npm run build` made next to it, then runs it.
//
// Compiling the 1.2 MB bundle and the functions a start runs cost about 45 ms of every start
// (measured: the first log line 175 ms after the spawn without the cache, 130 with it). Node 20
// keeps no code cache for a CommonJS file of its own, so this file does what its loader would,
// with vm.Script's documented `cachedData`. V8 checks the cache against its own version, its
// flags and the source's length, and compiles afresh when they differ (another Node, or Node
// started without init/quiesce's flags): the cache only ever saves time. A cache older than the
// bundle belongs to an earlier build and is not offered at all.
//
// QUIESCE_CODE_CACHE: `write` (the build's last step, through init/quiesce so that the flags
// match) writes the cache when the process exits, holding every function that run compiled;
// `report` says on stderr whether this start used it; `off` does without it.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

const BUNDLE = join(__dirname, 'quiesce.cjs');
const CACHE = `${BUNDLE}.cache`;
const mode = process.env.QUIESCE_CODE_CACHE;

/** The cache, when it is at least as new as the bundle, or why not; never an error (a start without it is only slower). */
function cacheOf(): Buffer | string {
  if (mode === 'write' || mode === 'off') return `not used (QUIESCE_CODE_CACHE=${mode})`;
  try {
    return statSync(CACHE).mtimeMs >= statSync(BUNDLE).mtimeMs ? readFileSync(CACHE) : 'not used: older than the bundle';
  } catch (e) {
    return `not used: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}

/**
 * The bundle in Node's CommonJS wrapper, on a line of its own (lineOffset keeps stack traces on the
 * bundle's lines). Read here, so that only the Script keeps the source: a start holds one copy.
 */
function compile(): Script {
  const source = readFileSync(BUNDLE, 'utf8');
  const body = source.startsWith('#!') ? `//${source.slice(2)}` : source;
  const cache = cacheOf();
  const cachedData = typeof cache === 'string' ? undefined : cache;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {\n${body}\n})`, { filename: BUNDLE, lineOffset: -1, cachedData });
  if (mode === 'report') {
    const outcome = typeof cache === 'string' ? cache : script.cachedDataRejected === true ? 'rejected by V8 (another Node, other flags or another build): compiled afresh' : 'used';
    process.stderr.write(`quiesce: code cache ${CACHE}: ${outcome}\n`);
  }
  return script;
}

function writeCacheAtExit(script: Script): void {
  process.once('exit', () => {
    const temporary = `${CACHE}.${process.pid}`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, CACHE);
  });
}

type Wrapped = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

function run(): void {
  const script = compile();
  if (mode === 'write') writeCacheAtExit(script);
  const bundle = { exports: {} };
  (script.runInThisContext() as Wrapped).call(bundle.exports, bundle.exports, createRequire(BUNDLE), bundle, BUNDLE, __dirname);
}

run();
