// One EVENTS entry: runs on its schedule, never overlapping with itself.
//
//   idle ──start──▶ scheduled ──due──▶ scheduled (a run started, or skipped if the last one still runs)
//                       └──stop──▶ stopping ──last run gone──▶ stopped
import { Child } from '../child/child.js';
import type { StopLevel } from '../child/stop-level.js';
import type { StopOutcome } from '../child/terminate.js';
import type { EventEntry } from '../config/types.js';
import { firstRun, missedRuns, nextRun } from './schedule.js';
import { lastExitOf, stopPlanOf, type Unit, type UnitDeps, type UnitStatus } from './unit.js';
import { unreachable } from '../errors.js';

type EventState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'scheduled'; readonly dueAt: number; readonly cancel: AbortController }
  | { readonly kind: 'stopping'; readonly done: Promise<readonly StopOutcome[]> }
  | { readonly kind: 'stopped' };

/** A scheduled EVENTS entry. */
export class ScheduledEvent implements Unit {
  readonly section = 'EVENTS' as const;
  entry: EventEntry;
  #state: EventState = { kind: 'idle' };
  /** The latest run, alive or not. */
  #last: Child | undefined;
  #runs = 0;
  readonly #deps: UnitDeps;

  constructor(entry: EventEntry, deps: UnitDeps) {
    this.entry = entry;
    this.#deps = deps;
  }

  get name(): string {
    return this.entry.name;
  }

  get state(): EventState {
    return this.#state;
  }

  start(): void {
    if (this.#state.kind !== 'idle') return;
    this.#schedule(firstRun(this.entry.schedule, this.#deps.clock.now())); // idle -> scheduled
  }

  liveChildren(): readonly Child[] {
    return this.#last !== undefined && this.#last.state.kind !== 'exited' ? [this.#last] : [];
  }

  describe(): UnitStatus {
    const s = this.#state;
    const state = s.kind === 'scheduled' ? `scheduled (next in ${Math.max(0, s.dueAt - this.#deps.clock.now())} ms)` : s.kind;
    return {
      name: this.name, section: this.section, state, pids: this.liveChildren().map((c) => c.pid ?? -1),
      ready: undefined, busy: undefined, restarts: Math.max(0, this.#runs - 1), lastExit: lastExitOf(this.#last), listen: undefined,
    };
  }

  stop(level: StopLevel): Promise<readonly StopOutcome[]> {
    const state = this.#state;
    switch (state.kind) {
      case 'stopping':
        return state.done;
      case 'scheduled': {
        state.cancel.abort();
        const running = this.liveChildren();
        const done = Promise.all(running.map((c) => level.stop(c, stopPlanOf(this.entry))));
        this.#state = { kind: 'stopping', done }; // scheduled -> stopping
        void done.then(() => (this.#state = { kind: 'stopped' })); // stopping -> stopped
        return done;
      }
      case 'idle':
      case 'stopped':
        this.#state = { kind: 'stopped' };
        return Promise.resolve([]);
      default:
        return unreachable(state);
    }
  }

  #schedule(dueAt: number): void {
    const cancel = new AbortController();
    this.#state = { kind: 'scheduled', dueAt, cancel };
    void this.#deps.clock.sleep(dueAt - this.#deps.clock.now(), cancel.signal).then(() => {
      if (cancel.signal.aborted) return;
      this.#fire();
      const now = this.#deps.clock.now();
      // Woken late (a suspended host, a stalled loop): the runs due meanwhile are skipped, said once.
      const skipped = missedRuns(this.entry.schedule, dueAt, now);
      if (skipped > 0) this.#deps.log.emit({ event: 'event.behind', entry: this.name, skipped, lateMs: now - dueAt });
      this.#schedule(nextRun(this.entry.schedule, dueAt, now)); // scheduled -> scheduled
    });
  }

  #fire(): void {
    const running = this.liveChildren()[0];
    if (running !== undefined) {
      this.#deps.log.emit({ event: 'event.skipped', entry: this.name, runningPid: running.pid ?? -1 });
      return;
    }
    this.#last = Child.spawn(this.entry, { tag: this.#deps.nextTag() }, this.#deps);
    this.#runs += 1;
  }
}
