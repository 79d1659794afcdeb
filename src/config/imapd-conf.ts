// Reads an imapd.conf the way Cyrus 3.6 lib/libconfig.c does, far enough for replication:
// configdirectory, sync_log, sync_log_channels and channel-prefixed sync_* settings.
//
// libconfig's rules (config_read_file): one `key: value` per line (no `key = value`); leading
// blanks skipped; a line whose first non-blank is `#` is a comment (there are no trailing
// comments: `#` inside a value is part of it); a trailing `\` joins the next line; keys are
// [A-Za-z0-9_-] (an optional leading `@` for directives), case-insensitive; the value is trimmed
// and must not be empty; the same key twice is fatal (EX_CONFIG); `@include: FILE` reads another
// file in place (twice is fatal).
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { err, ok, type Result } from '../errors.js';

/** One `key: value` setting and where it was written. */
export interface ConfEntry {
  readonly value: string;
  readonly file: string;
  /** 1-based line where the (possibly continued) line starts. */
  readonly line: number;
}

/** An imapd.conf as replication needs it; every key lowercased. */
export interface ImapdConf {
  /** The file that was read (as given). */
  readonly file: string;
  readonly entries: ReadonlyMap<string, ConfEntry>;
  /** `configdirectory`, required. */
  readonly configDirectory: string;
  /** `sync_log` (default no): whether writers append to the sync logs at all. */
  readonly syncLog: boolean;
  /** `sync_log_channels` split on spaces, `""` -> `''` (the default channel); unset -> `['']`. */
  readonly channels: readonly string[];
}

/** Maximum `@include` depth, against include loops Cyrus would catch as "included twice". */
const MAX_INCLUDE_DEPTH = 16;

/** Parses the text of one imapd.conf into raw entries; `@include` is resolved by `readFile`. */
export function parseConfText(
  text: string,
  file: string,
  readFile: (path: string) => Result<string, string> = readTextFile,
  seen: ReadonlySet<string> = new Set([file]),
): Result<Map<string, ConfEntry>, string> {
  const entries = new Map<string, ConfEntry>();
  for (const { line, content } of logicalLines(text)) {
    const at = `${file}:${line}`;
    const body = content.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    const m = /^(@?[A-Za-z0-9_-]*)(.?)/.exec(body) as RegExpExecArray;
    const key = (m[1] as string).toLowerCase();
    if (m[2] !== ':' || key === '' || key === '@') {
      const hint = /^[A-Za-z0-9_-]+\s*=/.test(body) ? ' (imapd.conf wants `key: value`, not `key = value`)' : '';
      return err(`${at}: invalid option name${hint}: ${JSON.stringify(body.slice(0, 60))}`);
    }
    const value = body.slice(m[0].length).trim();
    if (value === '') return err(`${at}: empty value for \`${key}\``);
    if (key.startsWith('@')) {
      if (key !== '@include') return err(`${at}: invalid directive \`${key}\``);
      const included = includeFile(value, file, at, readFile, seen);
      if (!included.ok) return included;
      for (const [k, e] of included.value) {
        if (entries.has(k)) return err(`${e.file}:${e.line}: \`${k}\` is set twice (first at ${describeAt(entries.get(k))})`);
        entries.set(k, e);
      }
      continue;
    }
    if (entries.has(key)) return err(`${at}: \`${key}\` is set twice (first at ${describeAt(entries.get(key))})`);
    entries.set(key, { value, file, line });
  }
  return ok(entries);
}

/** Reads and parses an imapd.conf; errors carry `file:line`. */
export function loadImapdConf(file: string, readFile: (path: string) => Result<string, string> = readTextFile): Result<ImapdConf, string> {
  const text = readFile(file);
  if (!text.ok) return text;
  const parsed = parseConfText(text.value, file, readFile);
  if (!parsed.ok) return parsed;
  return imapdConfOf(file, parsed.value);
}

/** Builds the replication view of parsed entries: checks configdirectory and sync_log. */
export function imapdConfOf(file: string, entries: ReadonlyMap<string, ConfEntry>): Result<ImapdConf, string> {
  const dir = entries.get('configdirectory');
  if (dir === undefined) return err(`${file}: \`configdirectory\` is not set`);
  if (!isAbsolute(dir.value)) return err(`${dir.file}:${dir.line}: \`configdirectory\` must be an absolute path, got \`${dir.value}\``);
  const syncLogEntry = entries.get('sync_log');
  const syncLog = syncLogEntry === undefined ? false : parseSwitch(syncLogEntry.value);
  if (syncLog === undefined && syncLogEntry !== undefined) {
    return err(`${syncLogEntry.file}:${syncLogEntry.line}: \`sync_log\`: expected yes/no/on/off/true/false/1/0, got \`${syncLogEntry.value}\``);
  }
  return ok({ file, entries, configDirectory: dir.value, syncLog: syncLog ?? false, channels: splitChannels(entries.get('sync_log_channels')?.value) });
}

/** A channel's setting as sync_client reads it (sync_get_config): `<channel>_<key>` first, then `<key>`. */
export function channelSetting(conf: ImapdConf, channel: string, key: string): string | undefined {
  // config_getoverflowstring looks the name up as is: keys are stored lowercased, so a channel
  // with capitals never finds its own settings in Cyrus either
  const own = channel === '' ? undefined : conf.entries.get(`${channel}_${key}`);
  return (own ?? conf.entries.get(key))?.value;
}

/**
 * `sync_log_channels` as sync_log.c splits it: on single spaces (strarray_split(conf, " ")), empty
 * pieces dropped, the first `""` meaning the default channel. Unset means the default channel only.
 */
export function splitChannels(value: string | undefined): string[] {
  if (value === undefined) return [''];
  const names = value.split(' ').filter((n) => n !== '');
  const i = names.indexOf('""');
  if (i >= 0) names[i] = '';
  return names;
}

/** libconfig's config_parse_switch: only the first letters count ("yes", "y", "on", "1", ...). */
export function parseSwitch(value: string): boolean | undefined {
  if (/^(0|n|of|f)/.test(value)) return false;
  if (/^(1|y|on|t)/.test(value)) return true;
  return undefined;
}

function* logicalLines(text: string): Generator<{ line: number; content: string }> {
  const physical = text.split('\n');
  if (physical.at(-1) === '') physical.pop();
  let start: number | undefined;
  let acc = '';
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] as string;
    start ??= i + 1;
    // libconfig strips only the '\n'; a CRLF file keeps its '\r', which the value trim then removes
    if (raw.endsWith('\\') && i < physical.length - 1) {
      acc += raw.slice(0, -1);
      continue;
    }
    yield { line: start, content: acc + raw };
    acc = '';
    start = undefined;
  }
}

function includeFile(
  target: string,
  from: string,
  at: string,
  readFile: (path: string) => Result<string, string>,
  seen: ReadonlySet<string>,
): Result<Map<string, ConfEntry>, string> {
  const path = isAbsolute(target) ? target : resolve(target);
  if (seen.has(path)) return err(`${at}: \`${path}\` is included twice`);
  if (seen.size > MAX_INCLUDE_DEPTH) return err(`${at}: @include nested deeper than ${MAX_INCLUDE_DEPTH} (from ${from})`);
  const text = readFile(path);
  if (!text.ok) return err(`${at}: @include: ${text.error}`);
  return parseConfText(text.value, path, readFile, new Set([...seen, path]));
}

function describeAt(e: ConfEntry | undefined): string {
  return e === undefined ? '?' : `${e.file}:${e.line}`;
}

function readTextFile(path: string): Result<string, string> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (e) {
    return err(`cannot read ${path}: ${(e as Error).message}`);
  }
}
