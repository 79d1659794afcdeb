// The pair file's IMAP addresses and compare options: resolved, validated with file, line and key.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPairFile } from '../../../src/failover/pair-file.js';
import { formatDiagnostic } from '../../../src/errors.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function pairFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'quiesce-pair-'));
  dirs.push(dir);
  const file = join(dir, 'pair.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadPairFile, compare', () => {
  it('reads each side\'s imap address and the compare options, the password file relative to the pair file', () => {
    const file = pairFile(`sides:
  a: { master: a-master.yaml, replica: a-replica.yaml, imap: "127.0.0.1:1143" }
  b: { master: b-master.yaml, replica: b-replica.yaml, imap: "imaps://mail2" }
compare: { user: admin, password_file: admin.pw, sample: 10, timeout: 20s }
`);
    const r = loadPairFile(file);
    expect(r.ok && r.value.sides.map((s) => s.imap)).toEqual(['127.0.0.1:1143', 'imaps://mail2']);
    expect(r.ok && r.value.compare).toEqual({ user: 'admin', passwordFile: join(file, '..', 'admin.pw'), sample: 10, concurrency: undefined, timeout: '20s' });
  });

  it('names the file, line and key of a bad address or compare option', () => {
    const file = pairFile(`sides:
  a: { master: a.yaml, replica: a-r.yaml, imap: "host:99999" }
  b: { master: b.yaml, replica: b-r.yaml }
compare: { sample: 0, timeout: soon }
`);
    const r = loadPairFile(file);
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : r.error.map(formatDiagnostic);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${file}:2:\\d+: sides\\.a\\.imap: expected HOST, HOST:PORT`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${file}:4:\\d+: compare\\.sample: `)));
  });

  it('asks for each side\'s imapd_conf when replica_only is set', () => {
    const file = pairFile(`sides:
  a: { master: a.yaml, replica: a-r.yaml, imapd_conf: /etc/imapd.conf }
  b: { master: b.yaml, replica: b-r.yaml }
replica_only: replicaonly
`);
    const r = loadPairFile(file);
    expect(r.ok ? [] : r.error.map(formatDiagnostic)).toEqual([expect.stringMatching(new RegExp(`^${file}:3:\\d+: sides\\.b: replica_only is set: give this side's imapd_conf \\(where swap sets replicaonly\\)$`))]);
  });
});
