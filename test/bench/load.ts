// The "busy machine": a fixed CPU load beside both supervisors, one spinning process per CPU.
//
// A production Cyrus host is never idle. Each spinner is `sh -c 'while :; do :; done'` at the
// default priority in its own process group; the benchmark ends them by that group, on success and
// on failure alike (stopLoad, and destroyAll's exit paths call it too).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';

const spinners = new Set<ChildProcess>();

/** How many spinners a busy run uses: one per CPU. */
export const LOAD_PROCESSES = cpus().length;

/** Starts the load (idempotent). */
export function startLoad(): void {
  if (spinners.size > 0) return;
  for (let i = 0; i < LOAD_PROCESSES; i++) spinners.add(spawn('sh', ['-c', 'while :; do :; done'], { detached: true, stdio: 'ignore' }));
}

/** Ends every spinner it started, by process group, and waits for their exit. */
export async function stopLoad(): Promise<void> {
  const gone = [...spinners].map((s) => (s.exitCode !== null || s.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => s.once('exit', () => r()))));
  for (const s of spinners) {
    try {
      if (s.pid !== undefined) process.kill(-s.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  await Promise.all(gone);
  spinners.clear();
}
