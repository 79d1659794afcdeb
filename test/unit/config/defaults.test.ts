// One key-to-default table: every plain SUPERVISOR key reaches its settings field, absent keys take DEFAULTS.
import { describe, expect, it } from 'vitest';
import { PLAIN_KEYS, supervisorSettings } from '../../../src/config/supervisor-settings.js';
import { supervisorSchema } from '../../../src/config/schema.js';
import { DEFAULTS } from '../../../src/defaults.js';

describe('SUPERVISOR defaults', () => {
  const keys = Object.entries(PLAIN_KEYS) as [keyof typeof PLAIN_KEYS, (typeof PLAIN_KEYS)[keyof typeof PLAIN_KEYS]][];

  it('knows only keys of the schema', () => {
    for (const [key] of keys) expect(Object.keys(supervisorSchema.shape)).toContain(key);
  });

  it.each(keys)('absent %s is DEFAULTS.%s', (_key, field) => {
    expect(supervisorSettings({}, '/etc/quiesce/cyrus.yaml', '/etc/quiesce')[field]).toBe(DEFAULTS[field]);
  });

  it.each(keys)('written %s reaches %s', (key, field) => {
    const value = typeof DEFAULTS[field] === 'number' ? 7 : typeof DEFAULTS[field] === 'boolean' ? !DEFAULTS[field] : 'SIGTERM';
    expect(supervisorSettings({ [key]: value }, '/etc/quiesce/cyrus.yaml', '/etc/quiesce')[field]).toBe(value);
  });

  it('names the pidfile after the config file, and the socket and report after the pidfile', () => {
    const s = supervisorSettings({}, '/etc/quiesce/cyrus.yaml', '/etc/quiesce');
    expect([s.pidfile, s.controlSocket, s.reportFile, s.binDir]).toEqual(['/run/quiesce/cyrus.pid', '/run/quiesce/cyrus.sock', '/run/quiesce/cyrus.report.json', DEFAULTS.binDir]);
  });
});
