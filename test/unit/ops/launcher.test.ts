// How children are started: setpriv for Node's spawn, the same work done by the fork server itself.
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import type { CommandSpec, Config } from '../../../src/config/types.js';
import { launcherOf } from '../../../src/ops/launcher.js';
import { PRCTL_SYSCALL } from '../../../src/syscall-numbers.js';

function config(pdeathsig: boolean): Config {
  const r = parseConfigText(`SUPERVISOR: { pdeathsig: ${pdeathsig} }\nSERVICES:\n  w: { cmd: /bin/sleep 1, listen: /tmp/q-launcher.sock }\n`, 'c.yaml', { checkExecutables: false });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
const spec = (c: Config): CommandSpec => c.services[0] as CommandSpec;

describe('launcherOf', () => {
  it('wraps the argv in setpriv --pdeathsig for Node, and gives the fork server the signal and prctl number instead', () => {
    const c = config(true);
    const l = launcherOf(c, '/usr/bin:/bin');
    if (!l.ok) throw new Error(l.error);
    expect(l.value.wrap(['/bin/sleep', '1'], spec(c))).toEqual(['/usr/bin/setpriv', '--pdeathsig', 'SIGTERM', '--', '/bin/sleep', '1']);
    const prctl = PRCTL_SYSCALL[process.arch];
    expect(l.value.forkAs(spec(c))).toEqual(prctl === undefined ? undefined : { user: undefined, pdeathsig: { signal: constants.signals.SIGTERM, prctl } });
  });

  it('asks nothing of either when pdeathsig is off and the children run as quiesce', () => {
    const c = config(false);
    const l = launcherOf(c, '/usr/bin:/bin');
    if (!l.ok) throw new Error(l.error);
    expect(l.value.wrap(['/bin/sleep', '1'], spec(c))).toEqual(['/bin/sleep', '1']);
    expect(l.value.forkAs(spec(c))).toEqual({ user: undefined, pdeathsig: undefined });
  });

  it('without setpriv on the PATH, neither (as before)', () => {
    const c = config(true);
    const l = launcherOf(c, '/nonexistent');
    if (!l.ok) throw new Error(l.error);
    expect(l.value.wrap(['/bin/sleep', '1'], spec(c))).toEqual(['/bin/sleep', '1']);
    expect(l.value.forkAs(spec(c))).toEqual({});
  });
});
