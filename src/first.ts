// Imported first by cli.ts, so its handlers exist before any other module loads: without a SIGUSR1
// handler Node starts its inspector on that signal, and a supervisor must not be ended by a
// SIGHUP, a stray SIGUSR2 or a second SIGQUIT that arrives while it is still loading. Signals that
// arrive early are queued until `quiesce run` attaches its dispatcher.
import { SIGNAL_EVENTS, SignalRouter, STRAY_SIGNALS, type HandledSignal } from './signals.js';

const supervising = process.argv[2] === 'run';
/** V8's sampling profiler (`node --cpu-prof`, `--prof`) runs on SIGPROF: a handler of ours would end its process. */
const profiling = process.execArgv.some((a) => a.startsWith('--cpu-prof') || a === '--prof');
const strays = profiling ? STRAY_SIGNALS.filter((s) => s !== 'SIGPROF') : STRAY_SIGNALS;

/** Every signal `quiesce run` handles (only SIGUSR1 for the other commands), routed once the supervisor exists. */
export const earlySignals = supervising ? new SignalRouter(process, Object.keys(SIGNAL_EVENTS) as HandledSignal[], strays) : new SignalRouter(process, ['SIGUSR1']);
