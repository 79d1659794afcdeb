// One EVENTS entry: runs on its schedule, never overlapping with itself.
//
//   idle ──start──▶ scheduled ──due──▶ scheduled (a run started, or skipped if the last one still runs)
//                       └──stop──▶ stopping ──last run gone──▶ stopped
import type { ChildHandle } from '../child/child.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { EventEntry } from '../config/types.js';
import { firstRun, missedRuns, nextRun } from './schedule.js';
import { ladderOf, UnitBase, type UnitDetails, type UnitState } from './unit.js';

/** A scheduled EVENTS entry. */
export class ScheduledEvent extends UnitBase<EventEntry> {
  readonly section = 'EVENTS' as const;
  #next: { readonly dueAt: number; readonly cancel: AbortController } | undefined;
  /** The latest run, alive or not. */
  #last: ChildHandle | undefined;

  protected liveState(): UnitState {
    return { kind: 'scheduled', dueAt: this.#next?.dueAt ?? this.deps.clock.now() };
  }

  protected begin(): void {
    this.#schedule(firstRun(this.entry.schedule, this.deps.clock.now())); // idle -> scheduled
  }

  liveChildren(): readonly ChildHandle[] {
    return this.#last !== undefined && this.#last.state.kind !== 'exited' ? [this.#last] : [];
  }

  protected details(): UnitDetails {
    return { readyCount: undefined, busyCount: undefined, restarts: Math.max(0, this.launches - 1), listen: undefined };
  }

  protected halt(level: StopLevel): Promise<readonly StopOutcome[]> {
    this.#next?.cancel.abort(); // scheduled -> stopping
    return Promise.all(this.liveChildren().map((c) => level.stop(c, ladderOf(this.entry))));
  }

  #schedule(dueAt: number): void {
    const cancel = new AbortController();
    this.#next = { dueAt, cancel };
    void this.deps.clock.sleep(dueAt - this.deps.clock.now(), cancel.signal).then(() => {
      if (cancel.signal.aborted || this.ending) return;
      this.#fire();
      const now = this.deps.clock.now();
      // Woken late (a suspended host, a stalled loop): the runs due meanwhile are skipped, said once.
      const skipped = missedRuns(this.entry.schedule, dueAt, now);
      if (skipped > 0) this.deps.log.emit({ event: 'event.behind', entry: this.name, skipped, lateMs: now - dueAt });
      this.#schedule(nextRun(this.entry.schedule, dueAt, now)); // scheduled -> scheduled
    });
  }

  #fire(): void {
    const running = this.liveChildren()[0];
    if (running !== undefined) {
      this.deps.log.emit({ event: 'event.skipped', entry: this.name, runningPid: running.pid ?? -1 });
      return;
    }
    this.#last = this.launch(this.entry, { tag: this.deps.nextTag(), role: 'one-shot' });
  }
}
