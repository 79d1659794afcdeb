// What one line sync_client logged says about a failure, read as Cyrus 3.6 to 3.13 write them
// (imap/sync_client.c, imap/sync_support.c; lib/util.c xsyslog: `DESC: key=<value> ... func=<f>`).
//
// A rolling sync_client logs its errors through syslog(3), not stderr. A batch that fails on one
// mailbox looks like this (measured, Cyrus 3.6, a mailbox unreadable on the replica):
//
//   err   MAILBOX received NO response: Unknown error
//   err   do_folders(): update failed: user.alice 'The remote Server(s) denied the operation'
//   info    Promoting: MAILBOX user.alice -> USER alice
//   err   USER received NO response: Unknown error
//   err   Error in do_sync(): bailing out! The remote Server(s) denied the operation
//   err   Processing sync log file /var/lib/cyrus/sync/log-run failed: The remote Server(s) denied ...
//
// and then again, because sync_client keeps `log-run` and retries it at once. The mailbox or user
// is named only on some lines; the others say that the batch failed.

/** A failure one line reports. */
export type SyncErrorLine =
  /** A mailbox (its internal name, `user.alice.Sent`, `example.com!user.bob`) failed. */
  | { readonly kind: 'mailbox'; readonly mailbox: string; readonly reason: string }
  /** A user failed as a whole. */
  | { readonly kind: 'user'; readonly user: string; readonly reason: string }
  /** The batch failed, no mailbox named. */
  | { readonly kind: 'batch'; readonly reason: string };

/** What a line says: a failure, or that sync_client promoted a mailbox to its user (the mailbox failed; no error by itself). */
export type SyncLine = SyncErrorLine | { readonly kind: 'promoted'; readonly mailbox: string; readonly user: string };

const UPDATE_FAILED = /^do_folders\(\): update failed: (\S+) '(.*)'$/;
const BAILING_OUT_OF = /^Error (?:in|from) (sync_do_user|do_user|sync_do_meta)\(([^)]+)\): bailing out!/;
const TAGGED = /^(IOERROR|SYNCERROR|DBERROR): /;
const MAILBOX_KEY = /\b(?:mailbox|mboxname)=<([^>]+)>/;
const USER_KEY = /\buser(?:id)?=<([^>]+)>/;
const BATCH = /^(?:Error in do_sync\(\): bailing out!|Error in sync_do_mailboxes\(\): bailing out!|Processing sync log file \S+ failed:|\S+ received NO response:|Fatal error:)/;
const PROMOTING = /^\s*Promoting: MAILBOX (\S+) -> USER (\S+)$/;

/** Reads one sync_client log line; undefined when it reports no failure (pure). */
export function syncLineOf(message: string): SyncLine | undefined {
  const text = message.trim();
  const update = UPDATE_FAILED.exec(text);
  if (update !== null) return { kind: 'mailbox', mailbox: update[1] as string, reason: update[2] as string };
  const promoted = PROMOTING.exec(text);
  if (promoted !== null) return { kind: 'promoted', mailbox: promoted[1] as string, user: promoted[2] as string };
  const bailed = BAILING_OUT_OF.exec(text);
  if (bailed !== null) {
    const name = bailed[2] as string;
    // do_user() is also called with a mailbox name (sync_client -m of a user's mailbox)
    return userOfMailbox(name) === undefined ? { kind: 'user', user: name, reason: text } : { kind: 'mailbox', mailbox: name, reason: text };
  }
  if (TAGGED.test(text)) {
    const mailbox = MAILBOX_KEY.exec(text)?.[1];
    if (mailbox !== undefined) return { kind: 'mailbox', mailbox, reason: text };
    const user = USER_KEY.exec(text)?.[1];
    return user === undefined ? { kind: 'batch', reason: text } : { kind: 'user', user, reason: text };
  }
  return BATCH.test(text) ? { kind: 'batch', reason: text } : undefined;
}

const USER_MAILBOX = /^(?:([^!]+)!)?user\.([^.]+)(?:\.|$)/;

/**
 * The user a mailbox belongs to, from its internal name as Cyrus logs it (mboxname_to_userid):
 * `user.alice.Sent` -> `alice`, `example.com!user.bob` -> `bob@example.com`, a `^` in the user
 * part is a `.`; undefined for a shared mailbox (pure).
 */
export function userOfMailbox(mailbox: string): string | undefined {
  const m = USER_MAILBOX.exec(mailbox);
  if (m === null) return undefined;
  const user = (m[2] as string).replace(/\^/g, '.');
  return m[1] === undefined ? user : `${user}@${m[1]}`;
}
