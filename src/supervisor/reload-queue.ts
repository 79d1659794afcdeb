// Reload requests as a queue of intentions: requests that arrive while a reload runs are served by
// one more reload that starts after it (and reads the file then), never by the one already running.
//
//   idle ──request──▶ running ──done, nothing asked meanwhile──▶ idle
//                        └──done, asked meanwhile──▶ running (once, for all who asked)
//
// A storm of SIGHUPs is at most two reloads, and each request is answered by a reload that read
// the file after the request arrived, so the last valid file on disk is what ends up running.
import type { LogEvent } from '../log.js';

/** How a reload ended: applied (what changed) or rejected (why); undefined when it did not run (a stop began). */
export type ReloadOutcome = Extract<LogEvent, { event: 'config.reloaded' | 'config.reload-rejected' }>;

/** Who wants to hear how the reload that serves their request ended. */
export type ReloadReply = (outcome: ReloadOutcome | undefined) => void;

/** Serialises and coalesces reloads. */
export class ReloadQueue {
  readonly #reload: () => Promise<ReloadOutcome | undefined>;
  /** Requests not yet picked up by a reload (undefined: none). */
  #waiting: ReloadReply[] | undefined;
  #running: Promise<void> | undefined;

  constructor(reload: () => Promise<ReloadOutcome | undefined>) {
    this.#reload = reload;
  }

  /** Asks for a reload; `reply` hears the outcome of the reload that serves it. */
  request(reply: ReloadReply = () => undefined): void {
    (this.#waiting ??= []).push(reply);
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /** Resolves once no reload runs or waits. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** True while a reload runs or is asked for. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  async #drain(): Promise<void> {
    while (this.#waiting !== undefined) {
      const replies = this.#waiting;
      this.#waiting = undefined; // requests from now on wait for the next reload
      const outcome = await this.#reload();
      for (const reply of replies) reply(outcome);
    }
  }
}
