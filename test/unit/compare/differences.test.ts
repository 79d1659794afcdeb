// What compare reports for each way two views of a user can differ.
import { describe, expect, it } from 'vitest';
import { describeDifference } from '../../../src/compare/describe.js';
import { differencesOf } from '../../../src/compare/differences.js';
import type { MailboxState, MessageState, UserView } from '../../../src/compare/user-view.js';

const msg = (uid: number, o: Partial<MessageState> = {}): MessageState => ({ uid, size: 100, flags: [], guid: `g${uid}`, ...o });
const box = (messages: MessageState[], o: Partial<Extract<MailboxState, { kind: 'examined' }>> = {}): MailboxState =>
  ({ kind: 'examined', uidValidity: '7', uidNext: '10', highestModSeq: '20', exists: messages.length, messages: new Map(messages.map((m) => [m.uid, m])), ...o });
const view = (boxes: Record<string, MailboxState>): UserView => new Map(Object.entries(boxes));

describe('differencesOf', () => {
  it('finds nothing in two equal views', () => {
    const v = view({ INBOX: box([msg(1), msg(2, { flags: ['\\Seen'] })]) });
    expect(differencesOf('alice', v, view({ INBOX: box([msg(1), msg(2, { flags: ['\\Seen'] })]) }))).toEqual([]);
    expect(differencesOf('alice', undefined, undefined)).toEqual([]);
  });

  it('names each message missing, each size, flag set and GUID that differs, by UID, and the mailbox fields', () => {
    const master = view({ INBOX: box([msg(1), msg(2), msg(3), msg(4)]) });
    const replica = view({ INBOX: box([msg(1, { size: 99 }), msg(2, { flags: ['\\Flagged'] }), msg(4, { guid: 'other' })], { highestModSeq: '21' }) });
    expect(differencesOf('alice', master, replica).map(describeDifference)).toEqual([
      'alice INBOX: highestmodseq differs: master 20, replica 21',
      'alice INBOX: exists differs: master 4, replica 3',
      'alice INBOX uid 1: size differs: master 100, replica 99',
      'alice INBOX uid 2: flags differs: master (), replica (\\Flagged)',
      'alice INBOX uid 3: message on one side only: master 100 bytes, guid g3, replica (none)',
      'alice INBOX uid 4: guid differs: master g4, replica other',
    ]);
  });

  it('names a mailbox or a whole user on one side only, and a mailbox only one side can examine', () => {
    expect(differencesOf('bob', view({ INBOX: box([]), 'INBOX.Sent': box([]) }), view({ INBOX: box([]) })).map(describeDifference))
      .toEqual(['bob INBOX.Sent: mailbox on one side only: master exists, replica (none)']);
    expect(differencesOf('carol', view({ INBOX: box([]) }), undefined).map(describeDifference)).toEqual(['carol: user on one side only: master 1 mailbox(es), replica (none)']);
    expect(differencesOf('dave', view({ INBOX: box([]) }), view({ INBOX: { kind: 'refused', why: 'NO Permission denied' } })).map(describeDifference))
      .toEqual(['dave INBOX: examine differs: master ok, replica NO Permission denied']);
  });
});
