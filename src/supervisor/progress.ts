// "waiting for 3 children: imapd[1234], ..." while a shutdown step runs, so an operator knows why it takes time.
import type { StopLevel } from '../child/stop-level.js';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';

/** Logs what `levels` are waiting for now and every `intervalMs` until `until` settles. */
export async function reportProgress(step: string, levels: () => readonly StopLevel[], until: Promise<unknown>, deps: { clock: Clock; log: Log; intervalMs: number }): Promise<void> {
  const done = new AbortController();
  void until.finally(() => done.abort());
  // Let the step send its first signals before the first line.
  await Promise.resolve();
  while (!done.signal.aborted) {
    const active = levels().flatMap((l) => l.active);
    if (active.length > 0) {
      const now = deps.clock.now();
      const deadlines = active.map((t) => t.deadline).filter((d): d is number => d !== undefined);
      deps.log.emit({
        event: 'shutdown.waiting',
        step,
        count: active.length,
        children: active.map((t) => t.child.label),
        escalation: levels()[0]?.level ?? 'stop',
        nextEscalationInMs: deadlines.length > 0 ? Math.max(0, Math.min(...deadlines) - now) : null,
      });
    }
    await deps.clock.sleep(deps.intervalMs, done.signal);
  }
}
