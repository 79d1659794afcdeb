// Every annotated example in conf/ stays valid: each config is loaded here, and the pair file too.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/load.js';
import { formatDiagnostic } from '../../src/errors.js';
import { loadPairFile } from '../../src/failover/pair-file.js';

const confDir = new URL('../../conf/', import.meta.url).pathname;
// conf/cyrus.yaml names Debian programs that may be absent here (pop3d, nntpd, ...): its own test
// (test/unit/convert/loads.test.ts) checks it against what is installed; the others are checked
// for their shape and values. The pair file is not a quiesce config.
const configs = readdirSync(confDir).filter((f) => f.endsWith('.yaml') && f !== 'pair.yaml');

describe('conf/ examples', () => {
  it.each(configs)('%s loads without diagnostics', (name) => {
    const r = loadConfigFile(join(confDir, name), { checkExecutables: name === 'demo.yaml' });
    expect(r.ok ? [] : r.error.map(formatDiagnostic)).toEqual([]);
  });

  it('pair.yaml is a valid pair file with two sides', () => {
    const r = loadPairFile(join(confDir, 'pair.yaml'));
    expect(r.ok ? r.value.sides.map((s) => s.name) : r.error.map(formatDiagnostic)).toEqual(['mail1', 'mail2']);
  });
});
