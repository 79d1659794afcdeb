// A Stoppable that obeys a script: which signals it dies on; no real process.
import type { StopStep } from '../../../src/child/child.js';
import type { ExitInfo } from '../../../src/child/exit.js';
import type { Stoppable } from '../../../src/child/terminate.js';

/** A fake process that exits on the signals listed in `diesOn`. */
export class FakeChild implements Stoppable {
  readonly label: string;
  readonly received: { signal: NodeJS.Signals; step: StopStep }[] = [];
  readonly exited: Promise<ExitInfo>;
  state: { kind: 'running' | 'stopping' | 'exited' } = { kind: 'running' };
  #resolve: (e: ExitInfo) => void = () => undefined;
  readonly #diesOn: readonly NodeJS.Signals[];

  constructor(label: string, diesOn: readonly NodeJS.Signals[]) {
    this.label = label;
    this.#diesOn = diesOn;
    this.exited = new Promise((r) => (this.#resolve = r));
  }

  signal(signal: NodeJS.Signals, step: StopStep): void {
    this.received.push({ signal, step });
    if (this.state.kind === 'exited') return;
    this.state = { kind: 'stopping' };
    if (this.#diesOn.includes(signal) || signal === 'SIGKILL') this.exit(signal === 'SIGKILL' ? null : 0, signal === 'SIGKILL' ? 'SIGKILL' : null);
  }

  /** Makes the fake exit now. */
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.state = { kind: 'exited' };
    this.#resolve({ code, signal, spawnError: undefined, at: 0 });
  }

  isGone(): Promise<boolean> {
    return Promise.resolve(this.state.kind === 'exited');
  }
}

/** Lets pending promise callbacks run. */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
