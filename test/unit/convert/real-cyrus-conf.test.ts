import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertCyrusConf } from '../../../src/convert/cyrus-conf.js';
import { formatDiagnostic } from '../../../src/errors.js';

const REAL = '/etc/cyrus.conf';

/**
 * The entries of a plain cyrus.conf, read with a deliberately naive regex (not the converter's
 * tokenizer): `SECTION {` ... `}`, entry lines `name key="value" key=value ...`.
 */
function naiveEntries(text: string): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {};
  let section: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const header = /^([A-Z]+)\s*\{$/.exec(line);
    if (header?.[1] !== undefined) {
      section = header[1];
      out[section] = {};
    } else if (line === '}') {
      section = undefined;
    } else if (section !== undefined) {
      const [name = '', ...rest] = line.split(/\s+/);
      const args: Record<string, string> = {};
      for (const m of rest.join(' ').matchAll(/(\w+)=(?:"([^"]*)"|(\S+))/g)) args[m[1] ?? ''] = m[2] ?? m[3] ?? '';
      (out[section] ??= {})[name] = args;
    }
  }
  return out;
}

describe.skipIf(!existsSync(REAL))(`the real ${REAL}`, () => {
  it('converts into the same entries, commands and listen addresses, with no problem and only renames noted', () => {
    const text = readFileSync(REAL, 'utf8');
    const r = convertCyrusConf(text, REAL);
    expect(r.problems.map(formatDiagnostic)).toEqual([]);
    // Debian's file runs delprune and tlsprune both in START and in EVENTS
    const renamed = new Map<string, string>();
    for (const p of r.notes) {
      const m = /renamed `([^`]+)`$/.exec(p.message);
      expect(m, formatDiagnostic(p)).not.toBeNull();
      renamed.set(p.path, m?.[1] ?? '');
    }
    const converted = parse(r.yaml) as Record<string, Record<string, Record<string, unknown>>>;
    const expected = Object.fromEntries(
      Object.entries(naiveEntries(text)).map(([section, entries]) => [
        section,
        Object.fromEntries(Object.entries(entries).map(([name, args]) => [renamed.get(`${section}.${name}`) ?? name, args])),
      ]),
    );
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(Object.keys(converted)).toEqual(Object.keys(expected));
    for (const [section, entries] of Object.entries(expected)) {
      expect(Object.keys(converted[section] ?? {}), section).toEqual(Object.keys(entries));
      for (const [name, args] of Object.entries(entries)) {
        const entry = converted[section]?.[name];
        expect(entry?.cmd, `${section}.${name}.cmd`).toBe(args.cmd);
        if (args.listen !== undefined) expect(entry?.listen, `${section}.${name}.listen`).toBe(args.listen);
        for (const key of ['prefork', 'maxchild', 'period']) {
          if (args[key] !== undefined) expect(entry?.[key], `${section}.${name}.${key}`).toBe(Number(args[key]));
        }
        if (args.at !== undefined) expect(entry?.at, `${section}.${name}.at`).toBe(args.at.padStart(4, '0'));
      }
    }
  });
});

describe.skipIf(!existsSync(REAL))('conf/cyrus.yaml', () => {
  it(`has the same START, SERVICES and EVENTS entries as the conversion of ${REAL}`, () => {
    const converted = parse(convertCyrusConf(readFileSync(REAL, 'utf8'), REAL).yaml) as Record<string, unknown>;
    const annotated = parse(readFileSync('conf/cyrus.yaml', 'utf8')) as Record<string, unknown>;
    for (const section of ['START', 'SERVICES', 'EVENTS']) expect(annotated[section], section).toEqual(converted[section]);
  });
});
