#!/usr/bin/env node
// Demo SERVICE: "delivers" a message every second and writes each to the sync log.
// On SIGQUIT it finishes the delivery in progress, then exits 0 (what imapd/lmtpd do).
import { logChange } from './_common.mjs';
const name = process.env.CYRUS_SERVICE ?? 'mail';
let n = 0;
let busy = false;
let quitting = false;
const timer = setInterval(() => {
  busy = true;
  n += 1;
  setTimeout(() => {
    logChange(`APPEND user.demo ${name}-${process.pid}-${n}`);
    console.log(`delivered message ${n}`);
    busy = false;
    if (quitting) leave();
  }, 300);
}, 1000);
function leave() {
  console.log(`finished current work after ${n} message(s), exiting`);
  process.exit(0);
}
process.on('SIGQUIT', () => {
  quitting = true;
  clearInterval(timer);
  console.log(busy ? 'SIGQUIT: finishing the delivery in progress' : 'SIGQUIT: idle, exiting');
  if (!busy) leave();
});
console.log('ready');
