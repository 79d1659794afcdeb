// The Debian package, installed as an administrator would: built from this checkout (npm run
// package builds the same file), installed with dpkg -i, used from the installed copy, purged
// again with nothing left. It changes the machine, so it runs as root on a machine where quiesce is
// not installed already; under CI (QUIESCE_REQUIRE_CYRUS=1) anything else is a failure.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';

const installed = (): boolean => spawnSync('dpkg-query', ['-W', '-f=${Status}', 'quiesce'], { encoding: 'utf8' }).stdout.includes('installed');
const why = process.getuid?.() !== 0 ? 'installing a package needs root' : spawnSync('dpkg-deb', ['--version']).status !== 0 ? 'dpkg-deb is missing' : installed() ? 'quiesce is installed on this machine: not touching it' : undefined;
const mode = why === undefined ? 'run' : process.env.QUIESCE_REQUIRE_CYRUS === '1' ? 'fail' : 'skip';

let ours = false;
afterAll(() => {
  if (ours && installed()) execFileSync('dpkg', ['--purge', 'quiesce'], { stdio: 'ignore' });
});

const quiesce = (...args: string[]) => spawnSync('/usr/bin/quiesce', args, { encoding: 'utf8' });

describe.skipIf(mode === 'skip')('the Debian package', () => {
  it('builds offline, installs with dpkg -i, runs from /usr/bin/quiesce, and purges without a trace', () => {
    if (mode === 'fail') throw new Error(`QUIESCE_REQUIRE_CYRUS=1 but the package cannot be tested here: ${why ?? '?'}`);
    const built = execFileSync('sh', [join(ROOT, 'init/debian/build.sh')], { encoding: 'utf8', cwd: ROOT }).trim().split('\n').at(-1) ?? '';
    const deb = join(ROOT, built);
    expect(existsSync(deb)).toBe(true);
    execFileSync('dpkg', ['-i', deb], { stdio: 'pipe' });
    ours = true;
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(quiesce('--version').stdout.trim()).toBe(version);
    expect(readFileSync('/lib/systemd/system/quiesce.service', 'utf8')).toContain('ExecStart=/usr/bin/quiesce run');
    const demo = quiesce('check', '-c', '/usr/share/doc/quiesce/examples/demo.yaml');
    expect(demo.status, demo.stderr).toBe(0);
    if (existsSync('/usr/lib/cyrus/bin/imapd')) {
      for (const config of [['-c', '/etc/quiesce/cyrus.yaml'], ['-M', '/etc/cyrus.conf']]) {
        const r = quiesce('check', ...config);
        expect({ config, status: r.status, err: r.stderr }).toMatchObject({ status: 0 });
      }
    }
    // the program is one bundled file: no node_modules, every bundled package's license in the docs
    expect(existsSync('/usr/lib/quiesce/node_modules')).toBe(false);
    expect(readFileSync('/usr/share/doc/quiesce/THIRD-PARTY', 'utf8')).toMatch(/^pino \d+\.\d+\.\d+ \(MIT\)$/m);
    execFileSync('dpkg', ['--purge', 'quiesce'], { stdio: 'pipe' });
    ours = false;
    expect(['/usr/lib/quiesce', '/usr/bin/quiesce', '/etc/quiesce', '/lib/systemd/system/quiesce.service', '/etc/init.d/quiesce', '/usr/share/doc/quiesce'].filter((p) => existsSync(p))).toEqual([]);
  }, 180_000);
});
