// What differs between the master's and the replica's view of one user (pure).
import { describeFlags } from './describe.js';
import type { MailboxState, MessageState, UserView } from './user-view.js';

/** One difference: who, where, what, and what each side has. */
export interface Difference {
  readonly user: string;
  /** Undefined for the user as a whole (no mailbox on one side). */
  readonly mailbox: string | undefined;
  /** Undefined unless one message differs. */
  readonly uid: number | undefined;
  /** `user`, `mailbox`, `examine`, `uidvalidity`, `uidnext`, `highestmodseq`, `exists`, `message`, `size`, `flags`, `guid`. */
  readonly what: string;
  readonly master: string;
  readonly replica: string;
}

const ABSENT = '(none)';

/** Every difference of one user; `undefined` = the user has no mailbox on that side. */
export function differencesOf(user: string, master: UserView | undefined, replica: UserView | undefined): Difference[] {
  if (master === undefined || replica === undefined) {
    if (master === replica) return [];
    return [{ user, mailbox: undefined, uid: undefined, what: 'user', master: master === undefined ? ABSENT : `${master.size} mailbox(es)`, replica: replica === undefined ? ABSENT : `${replica.size} mailbox(es)` }];
  }
  const out: Difference[] = [];
  for (const name of [...new Set([...master.keys(), ...replica.keys()])].sort()) {
    const m = master.get(name);
    const r = replica.get(name);
    if (m === undefined || r === undefined) {
      out.push({ user, mailbox: name, uid: undefined, what: 'mailbox', master: m === undefined ? ABSENT : 'exists', replica: r === undefined ? ABSENT : 'exists' });
    } else {
      out.push(...mailboxDifferences(user, name, m, r));
    }
  }
  return out;
}

function mailboxDifferences(user: string, mailbox: string, m: MailboxState, r: MailboxState): Difference[] {
  const at = (what: string, master: string, replica: string, uid?: number): Difference => ({ user, mailbox, uid, what, master, replica });
  if (m.kind === 'refused' || r.kind === 'refused') {
    return m.kind === r.kind ? [] : [at('examine', m.kind === 'refused' ? m.why : 'ok', r.kind === 'refused' ? r.why : 'ok')];
  }
  const out: Difference[] = [];
  const field = (what: string, a: string | number | undefined, b: string | number | undefined): void => {
    if (a !== b) out.push(at(what, String(a ?? ABSENT), String(b ?? ABSENT)));
  };
  field('uidvalidity', m.uidValidity, r.uidValidity);
  field('uidnext', m.uidNext, r.uidNext);
  field('highestmodseq', m.highestModSeq, r.highestModSeq);
  field('exists', m.exists, r.exists);
  for (const uid of [...new Set([...m.messages.keys(), ...r.messages.keys()])].sort((x, y) => x - y)) {
    const a = m.messages.get(uid);
    const b = r.messages.get(uid);
    if (a === undefined || b === undefined) {
      out.push(at('message', a === undefined ? ABSENT : describeMessage(a), b === undefined ? ABSENT : describeMessage(b), uid));
      continue;
    }
    if (a.size !== b.size) out.push(at('size', String(a.size), String(b.size), uid));
    if (a.flags.join(' ') !== b.flags.join(' ')) out.push(at('flags', describeFlags(a.flags), describeFlags(b.flags), uid));
    if (a.guid !== b.guid) out.push(at('guid', a.guid ?? ABSENT, b.guid ?? ABSENT, uid));
  }
  return out;
}

const describeMessage = (m: MessageState): string => `${m.size} bytes, guid ${m.guid ?? '?'}`;
