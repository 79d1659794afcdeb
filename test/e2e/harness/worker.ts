// Starts one real Cyrus service worker the way master does (fd 3 status, fd 4 listener, env) and records its status.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { attachStatusChannel, type StatusMessage } from '../../../src/child/status-channel.js';
import { cyrusBin } from './cyrus.js';
import { serviceEnv } from './instance.js';

/** The status messages of one worker, awaitable in arrival order. */
export class StatusQueue {
  /** Every message received so far. */
  readonly all: StatusMessage[] = [];
  #read = 0;
  #waiter: (() => void) | undefined;

  /** Records a message (the status channel callback). */
  push(message: StatusMessage): void {
    this.all.push(message);
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** The next message not returned yet; rejects after `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<StatusMessage> {
    const deadline = Date.now() + timeoutMs;
    while (this.#read >= this.all.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no status message within ${timeoutMs} ms (got ${JSON.stringify(this.all)})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => (clearTimeout(timer), resolve());
      });
    }
    return this.all[this.#read++] as StatusMessage;
  }
}

/** A spawned worker: the process, its status messages and its captured output. */
export interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly status: StatusQueue;
  /** stdout + stderr so far, for failure messages. */
  output(): string;
}

/** Spawns `program` (a name in CYRUS_BIN) with `args`, detached, as SERVICES entry `service` id `id`. */
export function spawnWorker(program: string, args: readonly string[], service: string, listenFd: number, id = 0): Worker {
  const child = spawn(cyrusBin(program), [...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', listenFd],
    env: serviceEnv(service, id),
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`cannot spawn ${program}`);
  const status = new StatusQueue();
  attachStatusChannel(child.stdio[3] as Socket, (m) => status.push(m));
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (out += s));
  return { child, pid: child.pid, status, output: () => out };
}
