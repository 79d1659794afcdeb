// One entry as written -> its typed entry: defaults from SUPERVISOR, argv, paths, cross-key rules.
import { resolve } from 'node:path';
import { err, ok, unreachable, type Diagnostic, type Result } from '../errors.js';
import { resolveArgv } from './executable.js';
import { splitCommand } from './fields.js';
import type { Where } from './locate.js';
import type { RawCommand, RawEntry } from './schema.js';
import { unixPathProblem } from './unix-path.js';
import { DEFAULTS } from '../defaults.js';
import type { CommandSpec, Entry, Schedule, Section, SupervisorSettings } from './types.js';

/** What building an entry needs besides the entry itself. */
export interface EntryContext {
  readonly settings: SupervisorSettings;
  /** The config file's directory: relative `cwd` and socket paths are resolved against it. */
  readonly baseDir: string;
  readonly where: Where;
  /** Report a program that cannot be found (false: `quiesce check` on a machine without Cyrus). */
  readonly checkExecutables: boolean;
  readonly pathEnv: string | undefined;
}

type Built<E> = Result<E, Diagnostic[]>;

/** Builds the typed entry `name` of `section`, or every problem found in it. */
export function buildEntry(section: Section, name: string, raw: RawEntry<Section>, ctx: EntryContext): Built<Entry> {
  const spec = commandSpec(section, name, raw, ctx);
  const at = (key: string, message: string): Built<never> => err([ctx.where.atValue([section, name, key], message)]);
  switch (section) {
    case 'START':
    case 'SHUTDOWN': {
      const r = raw as RawEntry<'START' | 'SHUTDOWN'>;
      const fallback = section === 'START' ? ctx.settings.startTimeoutMs : ctx.settings.shutdownTimeoutMs;
      return both(spec, ok(r.timeout ?? fallback), (s, timeoutMs) => ({ ...s, section, timeoutMs }));
    }
    case 'SERVICES': {
      const r = raw as RawEntry<'SERVICES'>;
      const prefork = r.prefork ?? DEFAULTS.prefork;
      const maxchild = r.maxchild ?? DEFAULTS.maxchild;
      const limits = maxchild !== -1 && prefork > maxchild ? at('prefork', `expected at most maxchild (${maxchild}), got \`${prefork}\``) : ok(null);
      const written = r.listen?.address;
      const listen = written?.kind === 'unix' ? { kind: 'unix' as const, path: resolve(ctx.baseDir, written.path) } : written;
      const tooLong = listen?.kind === 'unix' ? unixPathProblem(listen.path) : undefined;
      const socket = tooLong !== undefined ? at('listen', tooLong) : ok(null);
      return both(spec, both(limits, socket, () => null), (s) => ({
        ...s,
        section,
        listenSpec: r.listen?.spec,
        listen,
        proto: r.proto ?? DEFAULTS.proto,
        prefork,
        maxchild,
        maxforkrate: r.maxforkrate ?? DEFAULTS.maxforkrate,
        babysit: r.babysit ?? DEFAULTS.babysit,
        maxfds: r.maxfds ?? DEFAULTS.maxfds,
      }));
    }
    case 'EVENTS': {
      const r = raw as RawEntry<'EVENTS'>;
      const second = r.cron !== undefined && (r.at !== undefined || r.period !== undefined) ? 'cron' : r.at !== undefined ? 'at' : undefined;
      return both(spec, schedule(r, (message) => ctx.where.atValue([section, name, ...(second === undefined ? [] : [second])], message)), (s, sch) => ({
        ...s,
        section,
        schedule: sch,
      }));
    }
    case 'DAEMON': {
      const r = raw as RawEntry<'DAEMON'>;
      return both(spec, ok(null), (s) => ({ ...s, section, wait: r.wait ?? DEFAULTS.wait, waitTimeoutMs: r.wait_timeout ?? DEFAULTS.waitTimeoutMs }));
    }
    default:
      return unreachable(section);
  }
}

/** Exactly one of `period`, `at` and `cron`; two or more point at the later key, none at the entry. */
function schedule(r: RawEntry<'EVENTS'>, problem: (message: string) => Diagnostic): Built<Schedule> {
  const given = [r.period, r.at, r.cron].filter((v) => v !== undefined).length;
  if (given > 1) return err([problem(`expected exactly one of \`period\`, \`at\` or \`cron\`, got ${given === 2 ? 'two' : 'all three'}`)]);
  if (r.period !== undefined) return ok({ kind: 'period', periodMs: r.period });
  if (r.at !== undefined) return ok({ kind: 'at', ...r.at });
  if (r.cron !== undefined) return ok({ kind: 'cron', expression: r.cron });
  return err([problem('expected exactly one of `period`, `at` or `cron`, got none')]);
}

/** Combines two partial results, keeping the problems of both. */
function both<A, B, C>(a: Built<A>, b: Built<B>, combine: (a: A, b: B) => C): Built<C> {
  if (a.ok && b.ok) return ok(combine(a.value, b.value));
  return err([...(a.ok ? [] : a.error), ...(b.ok ? [] : b.error)]);
}

/** The problems of the keys every section shares: `cmd` cannot be split or its program is not found. */
export function commandProblems(section: Section, name: string, raw: RawCommand, ctx: EntryContext): Diagnostic[] {
  const spec = commandSpec(section, name, raw, ctx);
  return spec.ok ? [] : spec.error;
}

/** The part every section shares; `shell: true` runs `cmd` through /bin/sh and skips the lookup. */
function commandSpec(section: Section, name: string, raw: RawCommand, ctx: EntryContext): Built<CommandSpec> {
  const shell = raw.shell ?? DEFAULTS.shell;
  const argv = shell ? ok(['/bin/sh', '-c', raw.cmd]) : programArgv(raw.cmd, ctx);
  if (!argv.ok) return err([ctx.where.atValue([section, name, 'cmd'], argv.error)]);
  return ok({
    name,
    section,
    cmd: raw.cmd,
    argv: argv.value,
    shell,
    env: raw.env ?? {},
    cwd: raw.cwd === undefined ? undefined : resolve(ctx.baseDir, raw.cwd),
    stopSignal: raw.stop_signal ?? DEFAULTS.stopSignal,
    quitTimeoutMs: raw.quit_timeout ?? ctx.settings.quitTimeoutMs,
    termTimeoutMs: raw.term_timeout ?? ctx.settings.termTimeoutMs,
    // START runs as quiesce runs (root, as under master); the rest as SUPERVISOR.user (the Cyrus user)
    user: raw.user ?? (section === 'START' ? undefined : ctx.settings.user),
    group: raw.user === undefined && section !== 'START' ? ctx.settings.group : undefined,
    line: ctx.where.lineOfKey([section, name]),
  });
}

function programArgv(cmd: string, ctx: EntryContext): Result<string[], string> {
  const words = splitCommand(cmd);
  return words.ok ? resolveArgv(words.value, ctx.settings, ctx.pathEnv, ctx.checkExecutables) : words;
}
