// Shared by the demo programs: the demo's state directory and its fake "sync log".
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const DIR = process.env.DEMO_DIR ?? '/tmp/quiesce-demo';
export const SYNC = join(DIR, 'sync');
export const LOG = join(SYNC, 'log');
export const LOG_RUN = join(SYNC, 'log-run');
mkdirSync(SYNC, { recursive: true });

/** Appends one change to the sync log, as a Cyrus writer (imapd, lmtpd) would. */
export const logChange = (line) => appendFileSync(LOG, `${line}\n`);
