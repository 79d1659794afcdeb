// How every child is started: through setpriv, as its user (ops/identity.ts) and with the
// parent-death signal (ops/pdeathsig.ts), so that no child outlives a quiesce that was SIGKILLed.
// A worker started by a fork server gets the same from the fork server itself, without setpriv's
// exec (one exec per worker less: measured about 1.7 ms of wall time per worker).
import { constants } from 'node:os';
import type { ChildLauncher } from '../child/child.js';
import type { Config } from '../config/types.js';
import { err, ok, type Result } from '../errors.js';
import { currentUser, identitiesOf } from './identity.js';
import { findInPath } from '../path-search.js';
import { PDEATHSIG_DEFAULTS, withIdentity, type Identity } from './pdeathsig.js';
import { PRCTL_SYSCALL } from '../syscall-numbers.js';

/** Wraps a child's argv; also says whether a reloaded config can be started the same way. */
export interface Launcher extends ChildLauncher {
  /** The argv of a helper of quiesce's own (the fork server): only the parent-death signal, it runs as quiesce does. */
  wrapHelper(argv: readonly string[]): readonly string[];
  /** undefined when every user `config` names can be used, else why not. */
  refuses(config: Config): string | undefined;
  /** The uid and gid of `user` (SUPERVISOR.user), for files made on its behalf; undefined when quiesce runs as it. */
  ownerOf(user: string | undefined): { readonly uid: number; readonly gid: number } | undefined;
}

/** The launcher of `config`, or why its children cannot be started as the config says. */
export function launcherOf(config: Config, path: string | undefined = process.env.PATH): Result<Launcher, string> {
  const self = currentUser();
  const setpriv = findInPath(PDEATHSIG_DEFAULTS.command, path);
  const identities = new Map<string, Identity>();
  const refuses = (c: Config): string | undefined => {
    const found = identitiesOf(c, self);
    if (!found.ok) return found.error;
    if (found.value.size > 0 && setpriv === undefined) return `setpriv (util-linux) is needed to start children as ${[...found.value.keys()].join(', ')}`;
    for (const [user, identity] of found.value) identities.set(user, identity);
    return undefined;
  };
  const refused = refuses(config);
  if (refused !== undefined) return err(refused);
  const death = config.supervisor.pdeathsig ? PDEATHSIG_DEFAULTS.signal : undefined;
  const prctl = PRCTL_SYSCALL[process.arch];
  const deathForFork = death === undefined ? undefined : prctl === undefined ? null : { signal: constants.signals[death], prctl };
  return ok({
    refuses,
    ownerOf: (user) => (user === undefined ? undefined : identities.get(user)),
    wrap: (argv, spec) => {
      const identity = spec.user === undefined ? undefined : identities.get(spec.user);
      return setpriv === undefined ? argv : withIdentity(argv, setpriv, identity, death);
    },
    forkAs: (spec) => {
      // as wrap(): nothing without setpriv; setpriv itself where prctl's number is not known here
      if (setpriv === undefined) return {};
      if (deathForFork === null) return undefined;
      const identity = spec.user === undefined ? undefined : identities.get(spec.user);
      return { user: identity === undefined ? undefined : { uid: identity.uid, gid: identity.gid, groups: identity.groups }, pdeathsig: deathForFork };
    },
    wrapHelper: (argv) => (setpriv === undefined ? argv : withIdentity(argv, setpriv, undefined, death)),
  });
}
