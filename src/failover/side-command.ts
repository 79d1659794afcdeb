// Runs a quiesce command on one side of the pair (through its prefix, e.g. `ssh mail2`), streaming its output.
import { execa } from 'execa';
import type { PairFile, PairSide } from './pair-file.js';
import { commandLine } from '../text.js';

/** How a side command ended. */
export interface SideResult {
  readonly exitCode: number;
  readonly output: string;
  /** The command line, as an operator would type it. */
  readonly commandLine: string;
}

/** The argv of `quiesce <args>` on `side`. */
export function sideArgv(pair: PairFile, side: PairSide, args: readonly string[]): string[] {
  return [...side.prefix, ...pair.quiesce, ...args];
}


/** Runs `argv`; every output line goes to `onLine`. Never throws: a spawn failure is exit code 127. */
export async function runOnSide(argv: readonly string[], timeoutMs: number, onLine: (line: string) => void): Promise<SideResult> {
  const [file = 'false', ...args] = argv;
  const sub = execa(file, args, { reject: false, all: true, stdin: 'ignore', timeout: timeoutMs, cleanup: true, forceKillAfterDelay: 5_000 });
  let partial = '';
  sub.all?.setEncoding('utf8');
  sub.all?.on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  });
  const r = await sub;
  if (partial !== '') onLine(partial);
  const exitCode = r.exitCode ?? (r.failed ? 127 : 0);
  return { exitCode: r.timedOut ? 124 : exitCode, output: typeof r.all === 'string' ? r.all : '', commandLine: commandLine(argv) };
}
