// `quiesce compare`'s work: the users to compare (every user both sides know, those named, or a
// sample), then each user's view on both sides, at most `concurrency` users at a time (two
// connections each), and what differs. It only reads: LIST, EXAMINE, FETCH.
import { ImapSession, type ImapEndpoint, type SessionFailure } from './imap-session.js';
import { differencesOf, type Difference } from './differences.js';
import { readUser, usersOf, type UserView } from './user-view.js';

/** Which side. */
export type Side = 'master' | 'replica';

/** What to compare and how. */
export interface CompareOptions {
  readonly master: ImapEndpoint;
  readonly replica: ImapEndpoint;
  /** Only these users (default: every user either side lists). */
  readonly users?: readonly string[];
  /** Compare this many users picked at random among them. */
  readonly sample?: number;
  /** Users compared at once. */
  readonly concurrency: number;
  /** Bound of every connect and every command, per side. */
  readonly timeoutMs: number;
  /** After each user: done, of how many, differences so far. */
  readonly onProgress?: (done: number, total: number, differences: number) => void;
  readonly random?: () => number;
}

/** The outcome of a comparison. */
export type CompareResult =
  | {
    readonly kind: 'compared';
    readonly users: readonly string[];
    readonly mailboxes: number;
    readonly messages: number;
    readonly differences: readonly Difference[];
    /** Users with at least one difference, sorted. */
    readonly differingUsers: readonly string[];
  }
  | { readonly kind: 'failed'; readonly side: Side; readonly failure: SessionFailure };

type Failed = Extract<CompareResult, { kind: 'failed' }>;

/** Compares master and replica as `o` says; never throws for what a server does. */
export async function compare(o: CompareOptions): Promise<CompareResult> {
  const endpoints = { master: o.master, replica: o.replica };
  // the admins' own logins first: a wrong password is that, not every user missing
  const listed: Record<Side, string[]> = { master: [], replica: [] };
  for (const side of ['master', 'replica'] as const) {
    const admin = await ImapSession.open(endpoints[side], o.timeoutMs);
    if (!admin.ok) return { kind: 'failed', side, failure: admin.error };
    if (o.users === undefined) {
      const users = await usersOf(admin.value);
      if (!users.ok) return { kind: 'failed', side, failure: users.error };
      listed[side] = users.value;
    }
    await admin.value.close();
  }
  const all = o.users === undefined ? [...new Set([...listed.master, ...listed.replica])].sort() : [...new Set(o.users)].sort();
  const users = o.sample === undefined || o.sample >= all.length ? all : sample(all, o.sample, o.random ?? Math.random);

  const differences: Difference[] = [];
  let mailboxes = 0;
  let messages = 0;
  let next = 0;
  let done = 0;
  let failed: Failed | undefined;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < users.length) {
      const user = users[next++] as string;
      const views: Partial<Record<Side, UserView | undefined>> = {};
      for (const side of ['master', 'replica'] as const) {
        const view = await viewOf(endpoints[side], user, o.timeoutMs);
        if (!view.ok) {
          failed ??= { kind: 'failed', side, failure: view.failure };
          return;
        }
        views[side] = view.view;
      }
      for (const m of views.master?.values() ?? []) {
        mailboxes++;
        if (m.kind === 'examined') messages += m.messages.size;
      }
      differences.push(...differencesOf(user, views.master, views.replica));
      o.onProgress?.(++done, users.length, differences.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, users.length)) }, worker));
  if (failed !== undefined) return failed;
  differences.sort((a, b) => a.user.localeCompare(b.user) || (a.mailbox ?? '').localeCompare(b.mailbox ?? '') || (a.uid ?? 0) - (b.uid ?? 0));
  return { kind: 'compared', users, mailboxes, messages, differences, differingUsers: [...new Set(differences.map((d) => d.user))] };
}

/**
 * One user's view on one side; `view: undefined` when the side refuses a login as that user
 * (no such user there: the admins' own logins worked).
 */
async function viewOf(e: ImapEndpoint, user: string, timeoutMs: number): Promise<{ ok: true; view: UserView | undefined } | { ok: false; failure: SessionFailure }> {
  const session = await ImapSession.open(e, timeoutMs, user);
  if (!session.ok) return session.error.reason === 'refused' ? { ok: true, view: undefined } : { ok: false, failure: session.error };
  const view = await readUser(session.value);
  await session.value.close();
  if (!view.ok) return { ok: false, failure: view.error };
  return { ok: true, view: view.value.size === 0 ? undefined : view.value };
}

/** `n` of `all` at random, in order (a partial Fisher-Yates shuffle). */
function sample(all: readonly string[], n: number, random: () => number): string[] {
  const pool = [...all];
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  return pool.slice(0, n).sort();
}
