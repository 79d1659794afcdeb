// One cyrus.conf entry -> the keys and values of its quiesce entry, and what could not be carried.
import { unreachable } from '../errors.js';
import type { CyrusArg } from './line.js';
import { problemsOf, type EntryProblem } from './problem.js';
import { CYRUS_KEYS, KEY_RULES, QUIESCE_PROTOS } from './keys.js';
import type { CyrusEntry, CyrusSectionName } from './parse.js';
import { convertSchedule } from './schedule.js';
import { readCyrusInt, readCyrusSwitch } from './values.js';

/** A quiesce value as it will be written. */
export type FieldValue = string | number | boolean;


export type { EntryProblem } from './problem.js';

/** A converted entry: `fields` is undefined when the entry cannot be carried over at all. */
export interface ConvertedEntry {
  readonly fields: ReadonlyMap<string, FieldValue> | undefined;
  readonly problems: readonly EntryProblem[];
}

const ROLLING_SYNC_IN_START =
  '`sync_client -r` in START forks into the background and nothing supervises it; move it to DAEMON, where quiesce stops it after the services and before SHUTDOWN';

/** `sync_client ... -r` (also through Debian's `cyrus` wrapper): rolling replication that forks. */
function isRollingSyncClient(cmd: FieldValue | undefined): boolean {
  if (typeof cmd !== 'string') return false;
  const words = cmd.split(/\s+/);
  const at = words.findIndex((w) => /(^|\/)sync_client$/.test(w));
  return at >= 0 && words.slice(at + 1).includes('-r');
}

/** Converts one entry of one section; never throws, every loss is an EntryProblem. */
export function convertEntry(section: CyrusSectionName, entry: CyrusEntry): ConvertedEntry {
  const problems: EntryProblem[] = [];
  const problem = problemsOf(problems);
  const rules = KEY_RULES[section];

  // master reads the first occurrence of a key (`masterconf_getstring`)
  const first = new Map<string, CyrusArg>();
  for (const arg of entry.args) {
    if (first.has(arg.key)) problem(arg, `\`${arg.key}\` is given twice and Cyrus reads only the first, dropped`);
    else first.set(arg.key, arg);
  }
  for (const arg of first.values()) {
    const rule = rules[arg.key];
    if (rule === undefined) {
      problem(arg, CYRUS_KEYS.has(arg.key) ? `Cyrus does not read \`${arg.key}\` in ${section}, dropped` : `unknown cyrus.conf key \`${arg.key}\`, dropped`);
    } else if (rule.kind === 'unsupported') {
      problem(arg, `\`${arg.key}\` has no quiesce equivalent in ${section} (${rule.why}), dropped`);
    }
  }

  const fields = new Map<string, FieldValue>();
  for (const [key, rule] of Object.entries(rules)) {
    const arg = first.get(key);
    if (arg === undefined) continue;
    switch (rule.kind) {
      case 'string':
        if (arg.value !== '') fields.set(key, arg.value);
        break;
      case 'proto':
        if (!QUIESCE_PROTOS.has(arg.value)) {
          return { fields: undefined, problems: [...problems, { col: arg.col, key: arg.key, kind: 'problem', message: `unknown \`proto=${arg.value}\` (tcp, tcp4, tcp6, udp, udp4, udp6): Cyrus disables this service, dropped` }] };
        }
        if (arg.value !== 'tcp') fields.set(key, arg.value);
        break;
      case 'int': {
        const n = readCyrusInt(arg.value);
        if (n === undefined) {
          problem(arg, `expected an integer, got \`${arg.value}\`; Cyrus uses the default ${rule.cyrusDefault}, dropped`);
        } else {
          if (!n.exact) problem(arg, `\`${arg.value}\` is read as ${n.n} by Cyrus`, 'note');
          fields.set(key, n.n);
        }
        break;
      }
      case 'switch': {
        const on = readCyrusSwitch(arg.value);
        if (on === undefined) {
          problem(arg, `cannot read \`${arg.value}\` as a switch (Cyrus reads 0/1, yes/no, on/off, true/false, lower case); Cyrus uses the default false, dropped`);
        } else {
          fields.set(key, on);
        }
        break;
      }
      case 'schedule':
      case 'unsupported':
        break;
      default:
        return unreachable(rule);
    }
  }

  const entryProblem = (message: string): ConvertedEntry => ({ fields: undefined, problems: [...problems, { col: entry.col, key: undefined, message, kind: 'refused' }] });
  if (!fields.has('cmd')) return entryProblem('no `cmd`, so Cyrus master refuses this entry, dropped');
  if (section === 'SERVICES' && !fields.has('listen')) return entryProblem('no `listen`, so Cyrus master refuses this service, dropped');
  if (section === 'START' && isRollingSyncClient(fields.get('cmd'))) {
    problems.push({ col: entry.col, key: undefined, message: ROLLING_SYNC_IN_START, kind: 'note' });
  }
  if (section === 'EVENTS') {
    const converted = convertSchedule(first, entry.col);
    problems.push(...converted.problems);
    if (converted.schedule === undefined) return { fields: undefined, problems };
    for (const [key, value] of Object.entries(converted.schedule)) fields.set(key, value as FieldValue);
  }
  return { fields, problems };
}
