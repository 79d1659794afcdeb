// sync_client's failure lines as Cyrus 3.6 to 3.13 write them, the first six measured from a real
// 3.6 sync_client whose replica could not read a mailbox.
import { describe, expect, it } from 'vitest';
import { syncLineOf, userOfMailbox } from '../../../src/replication/sync-error-line.js';

describe('syncLineOf', () => {
  it.each([
    ["do_folders(): update failed: user.alice 'The remote Server(s) denied the operation'", { kind: 'mailbox', mailbox: 'user.alice', reason: 'The remote Server(s) denied the operation' }],
    ['  Promoting: MAILBOX user.alice -> USER alice', { kind: 'promoted', mailbox: 'user.alice', user: 'alice' }],
    ['MAILBOX received NO response: Unknown error', { kind: 'batch', reason: 'MAILBOX received NO response: Unknown error' }],
    ['Error in do_sync(): bailing out! The remote Server(s) denied the operation', { kind: 'batch', reason: 'Error in do_sync(): bailing out! The remote Server(s) denied the operation' }],
    ['Processing sync log file /var/lib/cyrus/sync/log-run failed: System I/O error', { kind: 'batch', reason: 'Processing sync log file /var/lib/cyrus/sync/log-run failed: System I/O error' }],
    ['Error in do_user(bob): bailing out!', { kind: 'user', user: 'bob', reason: 'Error in do_user(bob): bailing out!' }],
    ['Error in sync_do_user(carol@example.com): bailing out!', { kind: 'user', user: 'carol@example.com', reason: 'Error in sync_do_user(carol@example.com): bailing out!' }],
    ['Error in do_user(user.dave.Sent): bailing out!', { kind: 'mailbox', mailbox: 'user.dave.Sent', reason: 'Error in do_user(user.dave.Sent): bailing out!' }],
    ['Error in sync_do_meta(erin): bailing out!', { kind: 'user', user: 'erin', reason: 'Error in sync_do_meta(erin): bailing out!' }],
    ['IOERROR: mailbox open failed: mailbox=<user.frank.Trash> error=<System I/O error> func=<sync_do_mailbox>', { kind: 'mailbox', mailbox: 'user.frank.Trash', reason: 'IOERROR: mailbox open failed: mailbox=<user.frank.Trash> error=<System I/O error> func=<sync_do_mailbox>' }],
    ['SYNCERROR: guid mismatch: mboxname=<shared.news> uid=<4>', { kind: 'mailbox', mailbox: 'shared.news', reason: 'SYNCERROR: guid mismatch: mboxname=<shared.news> uid=<4>' }],
    ['IOERROR: failed to usernamespacelock: userid=<gina> func=<f>', { kind: 'user', user: 'gina', reason: 'IOERROR: failed to usernamespacelock: userid=<gina> func=<f>' }],
    ['DBERROR: failed to open sync cache db: func=<f>', { kind: 'batch', reason: 'DBERROR: failed to open sync cache db: func=<f>' }],
    ['Fatal error: failed to connect', { kind: 'batch', reason: 'Fatal error: failed to connect' }],
  ])('%s', (line, expected) => expect(syncLineOf(line)).toEqual(expected));

  it.each([
    'Destination supports #sieve mailbox',
    'Reprocessing sync log file /var/lib/cyrus/sync/log-run',
    'SYNCNOTICE: record only exists on replica: mailbox=<user.alice> uid=<3>',
    "Can not connect to server 'replica', retrying in 15 seconds",
    '  Deferred: MAILBOX user.alice',
  ])('reports no failure for: %s', (line) => expect(syncLineOf(line)).toBeUndefined());
});

describe('userOfMailbox', () => {
  it.each([
    ['user.alice', 'alice'],
    ['user.alice.Sent.2024', 'alice'],
    ['example.com!user.bob.Drafts', 'bob@example.com'],
    ['user.first^last', 'first.last'],
    ['shared.news', undefined],
    ['example.com!shared', undefined],
  ])('%s -> %s', (mailbox, user) => expect(userOfMailbox(mailbox)).toBe(user));
});
