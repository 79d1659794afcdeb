// Who children run as, read from this machine's user database (`nobody` and `nogroup`/`root` exist on
// every Debian system; the ids are compared with what id(1) itself prints).
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { currentUser, identitiesOf } from '../../../src/ops/identity.js';

function configAs(user: string, group?: string): Config {
  const r = parseConfigText(`SUPERVISOR: { user: ${user}${group === undefined ? '' : `, group: ${group}`} }\nDAEMON:\n  d: { cmd: /bin/sleep 1 }\n`, 'c.yaml', { checkExecutables: false });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value;
}
const idOf = (...args: string[]): string => execFileSync('id', args, { encoding: 'utf8' }).trim();

describe('identitiesOf', () => {
  it('reads uid, gid and the primary group of a user from one id(1)', () => {
    const r = identitiesOf(configAs('nobody'), 'someone-else', true);
    const gid = Number(idOf('-g', 'nobody'));
    const groups = [gid, ...idOf('-G', 'nobody').split(' ').map(Number).filter((g) => g !== gid)];
    expect(r.ok && r.value.get('nobody')).toEqual({ user: 'nobody', group: idOf('-gn', 'nobody'), uid: Number(idOf('-u', 'nobody')), gid, groups });
  });

  it('takes a named group instead of the primary one, in the groups too (initgroups with that group)', () => {
    const r = identitiesOf(configAs('nobody', 'root'), 'someone-else', true);
    const primary = Number(idOf('-g', 'nobody'));
    const others = idOf('-G', 'nobody').split(' ').map(Number).filter((g) => g !== primary && g !== 0);
    expect(r.ok && r.value.get('nobody')).toMatchObject({ group: 'root', gid: 0, groups: [0, ...others] });
  });

  it('names a user or a group that does not exist, and a switch that needs root', () => {
    const why = (c: Config, root: boolean): string => {
      const r = identitiesOf(c, 'someone-else', root);
      return r.ok ? 'ok' : r.error;
    };
    expect(why(configAs('no-such-user-q'), true)).toContain('user `no-such-user-q` does not exist');
    expect(why(configAs('nobody', 'no-such-group-q'), true)).toContain('group `no-such-group-q` does not exist');
    expect(why(configAs('nobody'), false)).toContain('cannot start children as `nobody`');
  });

  it('leaves out the user quiesce already is', () => {
    expect(currentUser()).toBe(userInfo().username);
    const r = identitiesOf(configAs(currentUser()), currentUser(), process.getuid?.() === 0);
    expect(r.ok && r.value.size).toBe(0);
  });
});
