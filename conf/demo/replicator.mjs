#!/usr/bin/env node
// Demo DAEMON, a stand-in for the rolling `sync_client -r`: every 2 s it renames sync/log to
// sync/log-run, "replicates" it and deletes it. On SIGQUIT it stops at once, like the real one,
// possibly leaving log and log-run behind: that is what the SHUTDOWN flush is for.
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { LOG, LOG_RUN } from './_common.mjs';
setInterval(() => {
  if (!existsSync(LOG_RUN)) {
    if (!existsSync(LOG)) return;
    renameSync(LOG, LOG_RUN);
  }
  const lines = readFileSync(LOG_RUN, 'utf8').split('\n').filter(Boolean).length;
  unlinkSync(LOG_RUN);
  console.log(`replicated ${lines} change(s)`);
}, 2000);
process.on('SIGQUIT', () => {
  console.log('SIGQUIT: stopping (pending changes stay in the sync log)');
  process.exit(0);
});
console.log('ready');
