// OS signals -> supervisor events, with the signal source injected (a plain EventEmitter here).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SignalRouter, STRAY_SIGNALS } from '../../src/signals.js';
import type { SupervisorEvent } from '../../src/supervisor/phase.js';

describe('signal router', () => {
  it('queues what arrives before a dispatcher is attached, then delivers in order', () => {
    const source = new EventEmitter();
    const router = new SignalRouter(source, ['SIGHUP', 'SIGQUIT'], ['SIGUSR2']);
    source.emit('SIGHUP');
    source.emit('SIGUSR2');
    const got: SupervisorEvent[] = [];
    router.attach((e) => got.push(e));
    source.emit('SIGQUIT');
    expect(got).toEqual([
      { kind: 'reload', trigger: 'SIGHUP' },
      { kind: 'stray-signal', trigger: 'SIGUSR2' },
      { kind: 'shutdown', mode: 'graceful', trigger: 'SIGQUIT' },
    ]);
  });

  it('keeps at most 32 early signals (a storm during start-up is cut short)', () => {
    const source = new EventEmitter();
    const router = new SignalRouter(source, [], ['SIGALRM']);
    for (let i = 0; i < 1000; i++) source.emit('SIGALRM');
    const got: SupervisorEvent[] = [];
    router.attach((e) => got.push(e));
    expect(got).toHaveLength(32);
  });

  it('remaps SIGTERM to the graceful stop (graceful_signal) and removes every handler on close', () => {
    const source = new EventEmitter();
    const router = new SignalRouter(source, ['SIGTERM'], STRAY_SIGNALS);
    router.remap('SIGTERM', { kind: 'shutdown', mode: 'graceful', trigger: 'SIGTERM' });
    const got: SupervisorEvent[] = [];
    router.attach((e) => got.push(e));
    source.emit('SIGTERM');
    expect(got).toEqual([{ kind: 'shutdown', mode: 'graceful', trigger: 'SIGTERM' }]);
    router.close();
    expect(['SIGTERM', ...STRAY_SIGNALS].map((s) => source.listenerCount(s))).toEqual(Array<number>(STRAY_SIGNALS.length + 1).fill(0));
  });
});
