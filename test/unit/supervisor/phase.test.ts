// The phase x step x event table: every pair has a written outcome, and the steps that refine it their own rows.
import { describe, expect, it } from 'vitest';
import { actionFor, TRANSITIONS, type PhaseKind, type SupervisorEvent } from '../../../src/supervisor/phase.js';
import type { StepKind } from '../../../src/supervisor/shutdown-steps.js';

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
  // the step of the shutdown refines its phase: a second signal during the sync drain stops the waiting
  const byStep: [PhaseKind, StepKind, SupervisorEvent['kind'], string][] = [
    ['draining', 'drain', 'shutdown', 'escalate'],
    ['draining', 'drain', 'escalate', 'escalate'],
    ['draining', 'sync-drain', 'shutdown', 'skip-sync-drain'],
    ['draining', 'sync-drain', 'escalate', 'skip-sync-drain'],
    ['draining', 'sync-drain', 'reload', 'ignore'],
    ['draining', 'sync-drain', 'reopen-logs', 'reopen-logs'],
    ['draining', 'sync-drain', 'stray-signal', 'note-stray'],
    ['stopping-daemons', 'daemon', 'shutdown', 'escalate'],
    ['shutdown-commands', 'command', 'shutdown', 'abort-commands'],
    ['shutdown-commands', 'sweep', 'escalate', 'abort-commands'],
  ];
  it.each(byStep)('in %s during step %s, %s -> %s', (phase, step, event, action) => {
    expect(actionFor(phase, event, step)).toBe(action);
  });
  it('only moves forward through the shutdown phases', () => {
    expect(TRANSITIONS.running).toEqual(['draining']);
    expect(TRANSITIONS.draining).toEqual(['stopping-daemons']);
    expect(TRANSITIONS['stopping-daemons']).toEqual(['shutdown-commands']);
    expect(TRANSITIONS['shutdown-commands']).toEqual(['stopped']);
    expect(TRANSITIONS.stopped).toEqual([]);
  });
});
