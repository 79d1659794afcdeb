// Imported first by cli.ts, so its handler exists before any other module loads: without a SIGUSR1
// handler Node starts its inspector on that signal. Signals that arrive early are queued.
import { SignalRouter } from './signals.js';

/** SIGUSR1 (reopen logs), routed once the supervisor exists. */
export const earlySignals = new SignalRouter(process, ['SIGUSR1']);
