// A load generator: LMTP deliveries with unique Message-IDs, recording every one the server acknowledged.
import { randomUUID } from 'node:crypto';
import { LmtpClient, makeMessage } from './lmtp-client.js';
import { ImapClient } from './imap-client.js';

/** What a load run delivered. */
export interface LoadResult {
  readonly attempted: number;
  /** Message-IDs acknowledged with 250 after DATA. */
  readonly acknowledged: readonly string[];
  /** Why the loops stopped (connection refused once the server drains, or `limit`). */
  readonly stops: readonly string[];
}

/**
 * Runs `parallel` delivery loops to `user` on `port` until `stop` aborts or `limit` deliveries were
 * attempted; a loop also ends when the server refuses or drops it. Each loop opens a fresh LMTP
 * session per message, as an MTA under load would.
 */
export async function deliverUntil(port: number, user: string, opts: { parallel: number; limit: number; stop: AbortSignal; onAck?: (n: number) => void }): Promise<LoadResult> {
  const acknowledged: string[] = [];
  const stops: string[] = [];
  let attempted = 0;
  const loop = async (): Promise<void> => {
    while (!opts.stop.aborted && attempted < opts.limit) {
      attempted++;
      const id = `<${randomUUID()}@load.quiesce.test>`;
      try {
        const c = await LmtpClient.connect(port, 5_000);
        const r = await c.deliver('load@quiesce.test', [user], makeMessage({ from: 'load@quiesce.test', to: `${user}@quiesce.test`, subject: 'load', messageId: id }));
        await c.quit().catch(() => undefined);
        if (r.data[0]?.reply.code === 250) {
          acknowledged.push(id);
          opts.onAck?.(acknowledged.length);
        }
      } catch (e) {
        stops.push((e as Error).message);
        return;
      }
    }
    stops.push('limit or stop');
  };
  await Promise.all(Array.from({ length: opts.parallel }, loop));
  return { attempted, acknowledged, stops };
}

/** Delivers to `user` with 4 loops and calls `then` once `trigger` messages were acknowledged; goes on until the server refuses or `stop` aborts. */
export function deliverAndThen(port: number, user: string, trigger: number, then: () => void, stop: AbortSignal): Promise<LoadResult> {
  let fired = false;
  return deliverUntil(port, user, {
    parallel: 4, limit: 3_000, stop,
    onAck: (n) => {
      if (n >= trigger && !fired) {
        fired = true;
        then();
      }
    },
  });
}

/** Every Message-ID in `user`'s INBOX on the IMAP server at `port`. */
export async function messageIdsOf(port: number, user: string): Promise<string[]> {
  const c = await ImapClient.connect(port);
  try {
    await c.login(user);
    const { exists } = await c.select('INBOX');
    return exists === 0 ? [] : await c.messageIds(`1:${exists}`);
  } finally {
    await c.logout();
  }
}
