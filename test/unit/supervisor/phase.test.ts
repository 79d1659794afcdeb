// The phase x event table: every pair has a written outcome.
import { describe, expect, it } from 'vitest';
import { actionFor, TRANSITIONS, type PhaseKind, type SupervisorEvent } from '../../../src/supervisor/phase.js';

const table: [PhaseKind, SupervisorEvent['kind'], string][] = [
  ['starting', 'shutdown', 'interrupt-start'],
  ['starting', 'escalate', 'interrupt-start'],
  ['starting', 'reload', 'ignore'],
  ['starting', 'reopen-logs', 'reopen-logs'],
  ['starting', 'stray-signal', 'note-stray'],
  ['running', 'shutdown', 'begin-shutdown'],
  ['running', 'escalate', 'ignore'],
  ['running', 'reload', 'reload'],
  ['running', 'reopen-logs', 'reopen-logs'],
  ['running', 'stray-signal', 'note-stray'],
  ['draining', 'shutdown', 'escalate'],
  ['draining', 'escalate', 'escalate'],
  ['draining', 'reload', 'ignore'],
  ['draining', 'reopen-logs', 'reopen-logs'],
  ['draining', 'stray-signal', 'note-stray'],
  ['stopping-daemons', 'shutdown', 'escalate'],
  ['stopping-daemons', 'escalate', 'escalate'],
  ['stopping-daemons', 'reload', 'ignore'],
  ['stopping-daemons', 'reopen-logs', 'reopen-logs'],
  ['stopping-daemons', 'stray-signal', 'note-stray'],
  ['shutdown-commands', 'shutdown', 'abort-commands'],
  ['shutdown-commands', 'escalate', 'abort-commands'],
  ['shutdown-commands', 'reload', 'ignore'],
  ['shutdown-commands', 'reopen-logs', 'reopen-logs'],
  ['shutdown-commands', 'stray-signal', 'note-stray'],
  ['stopped', 'shutdown', 'ignore'],
  ['stopped', 'escalate', 'ignore'],
  ['stopped', 'reload', 'ignore'],
  ['stopped', 'reopen-logs', 'reopen-logs'],
  ['stopped', 'stray-signal', 'note-stray'],
];

describe('phase x event', () => {
  it('covers every pair', () => {
    expect(table).toHaveLength(Object.keys(TRANSITIONS).length * 5);
  });
  it.each(table)('in %s, %s -> %s', (phase, event, action) => {
    expect(actionFor(phase, event)).toBe(action);
  });
  it('only moves forward through the shutdown phases', () => {
    expect(TRANSITIONS.running).toEqual(['draining']);
    expect(TRANSITIONS.draining).toEqual(['stopping-daemons']);
    expect(TRANSITIONS['stopping-daemons']).toEqual(['shutdown-commands']);
    expect(TRANSITIONS['shutdown-commands']).toEqual(['stopped']);
    expect(TRANSITIONS.stopped).toEqual([]);
  });
});
