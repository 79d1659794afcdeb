// quiesce set-option: one imapd.conf line set (or added), only when the installed Cyrus knows the
// option; a fake cyr_info stands for 3.12 (knows replicaonly) and 3.6 (does not).
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { setOption, withOption } from '../../src/config/imapd-conf-edit.js';

describe('withOption', () => {
  it.each([
    ['configdirectory: /var/lib/cyrus\n', 'configdirectory: /var/lib/cyrus\nreplicaonly: on\n'],
    ['configdirectory: /var/lib/cyrus', 'configdirectory: /var/lib/cyrus\nreplicaonly: on\n'],
    ['replicaonly: off\n# replicaonly: on is a comment\n', 'replicaonly: on\n# replicaonly: on is a comment\n'],
    ['replicaonly: no\nreplicaonly:yes\nadmins: cyrus\n', 'replicaonly: no\nreplicaonly: on\nadmins: cyrus\n'],
    ['replicaonly_other: 1\n', 'replicaonly_other: 1\nreplicaonly: on\n'],
  ])('%j', (text, expected) => expect(withOption(text, 'replicaonly', 'on')).toBe(expected));
});

describe('setOption', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function world(knows: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'quiesce-setopt-'));
    dirs.push(dir);
    const conf = join(dir, 'imapd.conf');
    writeFileSync(conf, 'configdirectory: /var/lib/cyrus\nreplicaonly: off\n', { mode: 0o640 });
    const cyrInfo = join(dir, 'cyr_info');
    writeFileSync(cyrInfo, `#!/bin/sh\nprintf 'admins: \\nconfigdirectory: /var/lib/cyrus\\n${knows ? 'replicaonly: no\\n' : ''}readonly: no\\n'\n`);
    chmodSync(cyrInfo, 0o755);
    const lines: string[] = [];
    return { dir, conf, cyrInfo, lines, out: (l: string) => void lines.push(l) };
  }

  it('sets the option where Cyrus knows it, atomically, keeping the mode', async () => {
    const w = world(true);
    expect(await setOption(w.conf, 'replicaonly', 'on', w.out, w.cyrInfo)).toBe(0);
    expect(readFileSync(w.conf, 'utf8')).toBe('configdirectory: /var/lib/cyrus\nreplicaonly: on\n');
    expect(statSync(w.conf).mode & 0o777).toBe(0o640);
    expect(readdirSync(w.dir).sort()).toEqual(['cyr_info', 'imapd.conf']);
    expect(w.lines).toEqual([`${w.conf}: replicaonly: on`]);
    expect(await setOption(w.conf, 'replicaonly', 'on', w.out, w.cyrInfo)).toBe(0);
    expect(w.lines[1]).toBe(`${w.conf}: replicaonly: on (already)`);
  });

  it('leaves the file alone, exit 5, where Cyrus does not know the option', async () => {
    const w = world(false);
    expect(await setOption(w.conf, 'replicaonly', 'on', w.out, w.cyrInfo)).toBe(5);
    expect(readFileSync(w.conf, 'utf8')).toBe('configdirectory: /var/lib/cyrus\nreplicaonly: off\n');
    expect(w.lines).toEqual([`${w.conf}: replicaonly not set: this Cyrus does not know the option (cyr_info conf-all does not list it)`]);
  });

  it('says what is wrong: 64 for a bad name, 66 for a missing file', async () => {
    const w = world(true);
    expect(await setOption(w.conf, 'bad name', 'on', w.out, w.cyrInfo)).toBe(64);
    expect(await setOption(join(w.dir, 'missing.conf'), 'replicaonly', 'on', w.out, w.cyrInfo)).toBe(66);
    expect(w.lines[1]).toMatch(/^quiesce set-option: cannot read .*missing\.conf: ENOENT/);
  });
});
