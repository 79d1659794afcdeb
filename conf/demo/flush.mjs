#!/usr/bin/env node
// Demo SHUTDOWN command, a stand-in for the final `sync_client -f`: replays what the replicator
// left behind (log-run first, then log), then verifies that nothing is left. Exit 0 only if so.
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { LOG, LOG_RUN } from './_common.mjs';
let total = 0;
for (const file of [LOG_RUN, LOG]) {
  if (!existsSync(file)) continue;
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
  unlinkSync(file);
  total += lines;
  console.log(`replayed ${lines} change(s) from ${file}`);
}
const left = [LOG_RUN, LOG].filter((f) => existsSync(f));
if (left.length > 0) {
  console.error(`still pending: ${left.join(', ')}`);
  process.exit(1);
}
console.log(`flush done: ${total} change(s) replayed, nothing left to replicate`);
