// What one side holds for one user, read over IMAP without changing anything: the user's own
// mailboxes (personal namespace), each EXAMINEd (read-only, never SELECT), and per message its UID,
// size, flags and Cyrus's message GUID. The GUID is the SHA-1 of the message file, which Cyrus
// (2.4 and later, 3.6 measured) returns as the fetch item DIGEST.SHA1 (capability DIGEST=SHA1).
import { err, ok, type Result } from '../errors.js';
import type { ImapSession, SessionFailure } from './imap-session.js';
import { quoteImap, utf8, type ImapValue } from './imap-value.js';

/** One message as a side holds it. */
export interface MessageState {
  readonly uid: number;
  readonly size: number;
  /** Sorted, without \Recent (a property of the session, not of the message). */
  readonly flags: readonly string[];
  /** DIGEST.SHA1; undefined when the server did not send it. */
  readonly guid: string | undefined;
}

/** One mailbox as a side holds it; `refused` when it could not be examined there. */
export type MailboxState =
  | { readonly kind: 'examined'; readonly uidValidity: string | undefined; readonly uidNext: string | undefined; readonly highestModSeq: string | undefined; readonly exists: number; readonly messages: ReadonlyMap<number, MessageState> }
  | { readonly kind: 'refused'; readonly why: string };

/** A user's mailboxes on one side, by name. */
export type UserView = ReadonlyMap<string, MailboxState>;

/** What NAMESPACE says: prefix and delimiter of the personal and other users' namespaces, and the shared prefixes. */
export interface Namespaces {
  readonly personal: string | undefined;
  readonly otherUsers: { readonly prefix: string; readonly delimiter: string } | undefined;
  readonly shared: readonly string[];
}

const firstPair = (v: ImapValue | undefined): [string, string] | undefined => {
  const first = Array.isArray(v) ? (v[0] as ImapValue | undefined) : undefined;
  return Array.isArray(first) && typeof first[0] === 'string' ? [first[0], typeof first[1] === 'string' ? first[1] : ''] : undefined;
};

/** NAMESPACE of a session. */
export async function namespacesOf(s: ImapSession): Promise<Result<Namespaces, SessionFailure>> {
  const r = await s.command('NAMESPACE');
  if (!r.ok) return r;
  const values = r.value.untagged.find((u) => String(u[0]).toUpperCase() === 'NAMESPACE') ?? [];
  const other = firstPair(values[2]);
  const shared = Array.isArray(values[3]) ? values[3].flatMap((p) => (Array.isArray(p) && typeof p[0] === 'string' ? [p[0]] : [])) : [];
  return ok({ personal: firstPair(values[1])?.[0], otherUsers: other === undefined ? undefined : { prefix: other[0], delimiter: other[1] }, shared });
}

/** Mailbox names of a LIST, without \Noselect and \NonExistent ones. */
async function list(s: ImapSession, pattern: string): Promise<Result<string[], SessionFailure>> {
  const r = await s.command(`LIST "" ${quoteImap(pattern)}`);
  if (!r.ok) return r;
  if (r.value.status !== 'OK') return err({ reason: 'refused', message: `LIST ${pattern}: ${r.value.status} ${r.value.text}` });
  return ok(r.value.untagged.flatMap((u) => {
    if (String(u[0]).toUpperCase() !== 'LIST' || typeof u[3] !== 'string') return [];
    const flags = Array.isArray(u[1]) ? u[1].map((f) => String(f).toLowerCase()) : [];
    return flags.includes('\\noselect') || flags.includes('\\nonexistent') ? [] : [utf8(u[3])];
  }));
}

/** Every user with a mailbox, listed by an admin session: the other users' namespace, one level (`user.%`). */
export async function usersOf(admin: ImapSession): Promise<Result<string[], SessionFailure>> {
  const ns = await namespacesOf(admin);
  if (!ns.ok) return ns;
  const other = ns.value.otherUsers;
  if (other === undefined) return err({ reason: 'refused', message: 'NAMESPACE names no other users\' namespace: cannot list the users' });
  const names = await list(admin, `${other.prefix}%`);
  if (!names.ok) return names;
  // with the netnews separator a dot in a user name is shown as ^
  return ok(names.value.map((n) => n.slice(other.prefix.length)).map((u) => (other.delimiter === '.' ? u.replace(/\^/g, '.') : u)).sort());
}

/** The user's own mailboxes (INBOX and the personal namespace), each examined, in a session authorized as that user. */
export async function readUser(s: ImapSession): Promise<Result<UserView, SessionFailure>> {
  const ns = await namespacesOf(s);
  if (!ns.ok) return ns;
  const names = await list(s, '*');
  if (!names.ok) return names;
  const { personal, otherUsers, shared } = ns.value;
  const own = names.value.filter((n) =>
    n.toUpperCase() === 'INBOX' || (personal !== undefined && personal !== ''
      ? n.startsWith(personal)
      : !(otherUsers !== undefined && n.startsWith(otherUsers.prefix)) && !shared.some((p) => p !== '' && n.startsWith(p))));
  const view = new Map<string, MailboxState>();
  for (const name of own.sort()) {
    const state = await examine(s, name);
    if (!state.ok) return state;
    view.set(name, state.value);
  }
  return ok(view);
}

const code = (raw: readonly string[], name: string): string | undefined => {
  for (const line of raw) {
    const m = new RegExp(`^OK \\[${name} (\\d+)\\]`, 'i').exec(line);
    if (m !== null) return m[1];
  }
  return undefined;
};

async function examine(s: ImapSession, name: string): Promise<Result<MailboxState, SessionFailure>> {
  const r = await s.command(`EXAMINE ${quoteImap(name)} (CONDSTORE)`);
  if (!r.ok) return r;
  if (r.value.status !== 'OK') return ok({ kind: 'refused', why: `${r.value.status} ${r.value.text}` });
  const exists = Number(r.value.raw.map((l) => /^(\d+) EXISTS$/i.exec(l)?.[1]).find((n) => n !== undefined) ?? 0);
  const messages = new Map<number, MessageState>();
  if (exists > 0) {
    const f = await s.command('UID FETCH 1:* (UID RFC822.SIZE FLAGS DIGEST.SHA1)');
    if (!f.ok) return f;
    if (f.value.status !== 'OK') return ok({ kind: 'refused', why: `FETCH: ${f.value.status} ${f.value.text}` });
    for (const u of f.value.untagged) {
      if (String(u[1]).toUpperCase() !== 'FETCH' || !Array.isArray(u[2])) continue;
      const m = messageOf(u[2]);
      if (m !== undefined) messages.set(m.uid, m);
    }
  }
  return ok({ kind: 'examined', uidValidity: code(r.value.raw, 'UIDVALIDITY'), uidNext: code(r.value.raw, 'UIDNEXT'), highestModSeq: code(r.value.raw, 'HIGHESTMODSEQ'), exists, messages });
}

function messageOf(items: readonly ImapValue[]): MessageState | undefined {
  const item = new Map<string, ImapValue>();
  for (let i = 0; i + 1 < items.length; i += 2) item.set(String(items[i]).toUpperCase(), items[i + 1] as ImapValue);
  const uid = Number(item.get('UID'));
  if (!Number.isInteger(uid)) return undefined;
  const flags = item.get('FLAGS');
  const guid = item.get('DIGEST.SHA1');
  return {
    uid,
    size: Number(item.get('RFC822.SIZE') ?? -1),
    flags: Array.isArray(flags) ? flags.map(String).filter((f) => f.toLowerCase() !== '\\recent').sort() : [],
    guid: typeof guid === 'string' ? guid.toLowerCase() : undefined,
  };
}
