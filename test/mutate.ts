// Seeded random mutations of a YAML config, for the property tests of the loader (unit) and of
// check vs run (integration): values replaced by hostile ones, keys renamed or dropped, the text
// cut short, bytes inserted, lines doubled. The same seed gives the same mutations.
import { parse, stringify } from 'yaml';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE: unknown[] = [
  '', '\0', 'a\0b', '/bin/sh\0-c', '*nope', '&x', '"', "'", '\x1b[31mred', 'bidi\u202Eevil', 'two\nlines', 'x'.repeat(300),
  `/tmp/${'d/'.repeat(80)}sock`, -1, 0, 1.5, 70000, 2 ** 53 + 2, 1e300, -1e300, 18446744073709551616, '99999999h', '1e9s', true, null, [], {}, ['a', 'b'],
  { cmd: '/bin/true' }, 'SIGNOPE', '2460', '::1:143', '[::1]:0', 'udp', 'tcp6',
];

type Tree = Record<string, unknown> | unknown[];
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null;

/** Every [parent, key] of a parsed document, depth first. */
function slots(v: unknown, out: [Tree, string | number][] = []): [Tree, string | number][] {
  if (!isTree(v)) return out;
  for (const k of Array.isArray(v) ? v.keys() : Object.keys(v)) {
    out.push([v, k]);
    slots((v as Record<string | number, unknown>)[k], out);
  }
  return out;
}

export function mutate(text: string, rand: () => number, maxChanges = 3): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const kind = rand();
  if (kind < 0.55) {
    const data: unknown = parse(text);
    const all = slots(data);
    if (all.length === 0) return text;
    for (let n = 1 + Math.floor(rand() * maxChanges); n > 0; n--) {
      const [parent, key] = pick(all);
      const p = parent as Record<string | number, unknown>;
      const op = rand();
      if (op < 0.6) p[key] = pick(HOSTILE);
      else if (op < 0.75 && !Array.isArray(parent)) delete p[key];
      else if (!Array.isArray(parent)) {
        const value = p[key];
        delete p[key];
        p[`${String(key)}${pick(['', 'x', '\0', ' ', '-'])}${pick(['s', '', '_'])}`] = value;
      }
    }
    return stringify(data);
  }
  if (kind < 0.7) return text.slice(0, Math.floor(rand() * text.length));
  if (kind < 0.85) {
    const at = Math.floor(rand() * text.length);
    return text.slice(0, at) + pick(['\0', '\x1b', '\ufffe', '"', "'", '&a ', '*a', '\t', '{', '}', ': ', '\n  ', '---\n']) + text.slice(at);
  }
  const lines = text.split('\n');
  const i = Math.floor(rand() * lines.length);
  lines.splice(i, 0, lines[i] ?? '');
  return lines.join('\n');
}

