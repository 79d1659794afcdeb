// The pair file of `quiesce swap`: the two sides of a replicated pair and how to reach each.
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { PAIR_DEFAULTS } from '../defaults.js';
import { err, ok, type Diagnostic, type Result } from '../errors.js';
import { parseDuration } from '../config/fields.js';
import { readConfigText } from '../config/text-file.js';
import { parseYaml } from '../config/yaml-doc.js';
import { parseAddress } from '../compare/address.js';

/** One side: its command prefix (e.g. `[ssh, mail2]`), its config as master and as replica, and its IMAP service. */
export interface PairSide {
  readonly name: string;
  readonly prefix: readonly string[];
  readonly master: string;
  readonly replica: string;
  /** Where `quiesce compare` reaches its IMAP service (HOST:PORT, imaps://HOST[:PORT]), from where swap runs. */
  readonly imap: string | undefined;
  /** The side's imapd.conf, in which swap sets `replicaOnly` (a path on that side). */
  readonly imapdConf: string | undefined;
}

/** How swap's default verify step compares the two sides (`quiesce compare`'s options). */
export interface PairCompare {
  readonly user: string | undefined;
  readonly passwordFile: string | undefined;
  readonly sample: number | undefined;
  readonly concurrency: number | undefined;
  readonly timeout: string | undefined;
}

/** A validated pair file. */
export interface PairFile {
  readonly file: string;
  readonly quiesce: readonly string[];
  readonly sides: readonly [PairSide, PairSide];
  /** Run on the new master's side after the swap; exit 0 = replication flows. Without it, both sides are compared over IMAP when both have `imap`. */
  readonly verify: readonly string[] | undefined;
  readonly compare: PairCompare;
  /** The imapd.conf switch swap turns on for the new replica and off for the new master (`replicaonly`, Cyrus 3.12+). */
  readonly replicaOnly: string | undefined;
  readonly stepTimeoutMs: number;
}

const argv = z.array(z.string().min(1));
const address = z.string().refine((a) => parseAddress(a) !== undefined, { message: 'expected HOST, HOST:PORT, [IPv6]:PORT or imaps://HOST[:PORT]' });
const side = z.strictObject({ prefix: argv.optional(), master: z.string().min(1), replica: z.string().min(1), imap: address.optional(), imapd_conf: z.string().min(1).optional() });
const positive = z.number().int().positive();
const compare = z.strictObject({ user: z.string().min(1).optional(), password_file: z.string().min(1).optional(), sample: positive.optional(), concurrency: positive.optional(), timeout: z.union([z.string(), z.number()]).optional() });
const schema = z.strictObject({
  quiesce: argv.min(1).optional(),
  sides: z.record(z.string(), side).refine((m) => Object.keys(m).length === 2, { message: 'expected exactly two sides' }),
  verify: argv.min(1).optional(),
  compare: compare.optional(),
  replica_only: z.string().regex(/^[a-z0-9_-]+$/i, 'expected an imapd.conf option name, e.g. replicaonly').optional(),
  step_timeout: z.unknown().optional(),
});

/** Reads a pair file; config paths of a side without a prefix are resolved against the file's directory. */
export function loadPairFile(file: string): Result<PairFile, Diagnostic[]> {
  const text = readConfigText(file);
  if (!text.ok) return text;
  const doc = parseYaml(text.value, file);
  if (!doc.ok) return doc;
  const { data, where } = doc.value;
  const parsed = schema.safeParse(data);
  if (!parsed.success) return err(parsed.error.issues.map((i) => where.atValue(i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)), i.message)));
  const timeout = parsed.data.step_timeout === undefined ? ok(PAIR_DEFAULTS.stepTimeoutMs) : parseDuration(parsed.data.step_timeout, 's');
  if (!timeout.ok) return err([where.atValue(['step_timeout'], timeout.error)]);
  const base = dirname(resolve(file));
  const sides = Object.entries(parsed.data.sides).map(([name, s]): PairSide => {
    const local = (s.prefix ?? []).length === 0;
    return { name, prefix: s.prefix ?? [], master: local ? resolve(base, s.master) : s.master, replica: local ? resolve(base, s.replica) : s.replica, imap: s.imap, imapdConf: s.imapd_conf === undefined ? undefined : local ? resolve(base, s.imapd_conf) : s.imapd_conf };
  }) as [PairSide, PairSide];
  const unset = sides.filter((s) => s.imapdConf === undefined);
  if (parsed.data.replica_only !== undefined && unset.length > 0) return err(unset.map((s) => where.atValue(['sides', s.name], `replica_only is set: give this side's imapd_conf (where swap sets ${parsed.data.replica_only})`)));
  const c = parsed.data.compare;
  const compareTimeout = c?.timeout === undefined ? undefined : parseDuration(c.timeout, 's');
  if (compareTimeout?.ok === false) return err([where.atValue(['compare', 'timeout'], compareTimeout.error)]);
  return ok({
    file, quiesce: parsed.data.quiesce ?? PAIR_DEFAULTS.quiesce, sides, verify: parsed.data.verify, stepTimeoutMs: timeout.value, replicaOnly: parsed.data.replica_only,
    // the password file is read where swap runs: relative to the pair file
    compare: { user: c?.user, passwordFile: c?.password_file === undefined ? undefined : resolve(base, c.password_file), sample: c?.sample, concurrency: c?.concurrency, timeout: c?.timeout === undefined ? undefined : String(c.timeout) },
  });
}
