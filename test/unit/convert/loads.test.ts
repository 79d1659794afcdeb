import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { convertCyrusConf } from '../../../src/convert/cyrus-conf.js';
import { formatDiagnostic, type Diagnostic } from '../../../src/errors.js';

const BIN = '/usr/lib/cyrus/bin';
// Where Cyrus is installed, commands are looked up for real; Debian ships pop3d, nntpd, httpd
// and mupdate in separate packages, so only a program that is really absent is forgiven.
const cyrusInstalled = existsSync(`${BIN}/imapd`);
const isAbsentProgram = (d: Diagnostic): boolean => {
  const m = /^executable `([^`]+)` not found/.exec(d.message);
  return m?.[1] !== undefined && !existsSync(join(BIN, m[1]));
};

const dir = mkdtempSync(join(tmpdir(), 'quiesce-convert-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `yaml` and loads it with the real loader: its diagnostics, formatted. */
function loadProblems(yaml: string, name: string, checkExecutables: boolean): string[] {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  const r = loadConfigFile(file, { checkExecutables });
  return r.ok ? [] : r.error.filter((d) => !isAbsentProgram(d)).map(formatDiagnostic);
}

describe('converted cyrus.conf files load without diagnostics', () => {
  // the fixtures name programs this host need not have (fud, mupdate): only the YAML is checked
  it.each(['debian-like.conf', 'services.conf', 'events.conf'])('%s', (name) => {
    const source = `test/fixtures/cyrus-conf/${name}`;
    const converted = convertCyrusConf(readFileSync(source, 'utf8'), source);
    expect(loadProblems(converted.yaml, name.replace(/\.conf$/, '.yaml'), false)).toEqual([]);
  });

  it.skipIf(!existsSync('/etc/cyrus.conf'))('/etc/cyrus.conf', () => {
    const converted = convertCyrusConf(readFileSync('/etc/cyrus.conf', 'utf8'), '/etc/cyrus.conf');
    expect(loadProblems(converted.yaml, 'etc-cyrus.yaml', cyrusInstalled)).toEqual([]);
  });
});

describe('conf/cyrus.yaml', () => {
  it('loads without diagnostics', () => {
    const r = loadConfigFile('conf/cyrus.yaml', { checkExecutables: cyrusInstalled });
    expect(r.ok ? [] : r.error.filter((d) => !isAbsentProgram(d)).map(formatDiagnostic)).toEqual([]);
  });
});
