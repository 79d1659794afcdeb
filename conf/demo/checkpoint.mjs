#!/usr/bin/env node
// Demo EVENT: a periodic job (ctl_cyrusdb -c in a real config).
console.log(`checkpoint at ${new Date().toISOString()}`);
