// Runs the built CLI on a YAML written to a temp dir, collects its JSON log, and cleans up after itself.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, watch, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTagged } from '../../src/child/kill-tree.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'dist/boot.cjs');
export const FIXTURES = join(ROOT, 'test/fixtures/bin');

/** One JSON log line of quiesce. */
export type LogLine = Record<string, unknown> & { event?: string; msg?: string; time?: string };

/** A quiesce process started by a test. */
export interface Quiesce {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly dir: string;
  readonly logs: LogLine[];
  readonly stdout: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line (already seen or to come) matching `pred`. */
  waitForLog(pred: (l: LogLine) => boolean, what?: string): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
}

const started: Quiesce[] = [];
const dirs: string[] = [];

/** A fresh temp dir, removed by cleanup(). */
export function tempDir(prefix = 'quiesce-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Substitutes {{FIX}} (fixtures dir) and {{DIR}} (the test's temp dir) in a YAML template. */
export function writeConfig(dir: string, yaml: string, name = 'quiesce.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, yaml.replaceAll('{{FIX}}', FIXTURES).replaceAll('{{DIR}}', dir));
  return file;
}

/** The `quiesce` command as installed: the launcher script in init/ (it ignores the real-time signals, then execs Node). */
export const LAUNCHER = join(ROOT, 'init/quiesce');

/** Starts `quiesce <args>` (default `run -c <file> --log-format json`) in its own process group; `command` is node + dist/boot.cjs unless given. */
export function startQuiesce(dir: string, configFile: string, args?: string[], env: NodeJS.ProcessEnv = {}, command: readonly string[] = [process.execPath, CLI]): Quiesce {
  const [program, ...before] = command;
  const proc = spawn(program ?? process.execPath, [...before, ...(args ?? ['run', '-c', configFile, '--log-format', 'json'])], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // debug: the tests follow every worker's start and exit (info leaves out normal recycling)
    env: { ...process.env, QUIESCE_LOG_LEVEL: 'debug', ...env },
  });
  const logs: LogLine[] = [];
  const stdout: string[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buffer = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      logs.push(line);
      for (const w of [...waiters]) if (w.pred(line)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(line); }
    }
  });
  proc.stdout?.setEncoding('utf8').on('data', (c: string) => stdout.push(c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const q: Quiesce = {
    proc, pid: proc.pid ?? -1, dir, logs, stdout, exited,
    waitForLog: (pred, what = 'a log line') => {
      const seen = logs.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<LogLine>((resolve, reject) => {
        waiters.push({ pred, resolve });
        void exited.then(() => setImmediate(() => {
          const late = logs.find(pred);
          if (late) resolve(late);
          else reject(new Error(`quiesce exited before ${what}; log:\n${logs.map((l) => l.msg).join('\n')}`));
        }));
      });
    },
    kill: (signal) => void proc.kill(signal),
  };
  started.push(q);
  return q;
}

/** Runs `quiesce <args>` to its end; resolves with its exit code and output whatever the code. */
export function cli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: opts.timeoutMs ?? 60_000, env: { ...process.env, ...opts.env } }, (error, out, err) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, out, err });
    });
  });
}

/** Matches a log line by event name and fields. */
export const ev = (event: string, fields: Record<string, unknown> = {}) => (l: LogLine): boolean =>
  l.event === event && Object.entries(fields).every(([k, v]) => l[k] === v);

/** Resolves once `file` exists and its content matches `pattern` (watched, not polled on a timer); rejects after `timeoutMs`. */
export function waitForFile(file: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const dirWatcher = watch(dirname(file));
    const check = (): void => {
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
      if (!pattern.test(text)) return;
      finish();
      resolve(text);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${file} did not match ${String(pattern)} within ${timeoutMs} ms`));
    }, timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      dirWatcher.close();
    };
    dirWatcher.on('change', check);
    check();
  });
}

/** Lines of a marker file written by the fixtures: `what pid epochMs`. */
export function readMarks(file: string): { what: string; pid: number; at: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [what = '', pid = '0', at = '0'] = l.split(' ');
    return { what, pid: Number(pid), at: Number(at) };
  });
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Ends every quiesce this file started (by its process group) and the processes it started (by tag), removes temp dirs. */
export async function cleanup(): Promise<void> {
  for (const q of started.splice(0)) {
    if (q.proc.exitCode === null && q.proc.signalCode === null) {
      try { process.kill(-q.pid, 'SIGKILL'); } catch { /* gone */ }
      await q.exited;
    }
    for (const pid of findTagged(`${q.pid}.`, true)) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
