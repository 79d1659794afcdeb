// Key paths -> positions in the YAML file, so each diagnostic points at the node it is about.
//
// Each mapping is indexed by key the first time a path goes through it, so locating N entries
// costs N lookups, not N scans of the section (a file with 20,000 entries is checked in linear time).
import { isMap, isScalar, isSeq, type Alias, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { safeText } from '../safe-text.js';
import { LIMITS } from './limits.js';

export type KeyPath = readonly (string | number)[];

/** A key path as a diagnostic prints it: `SERVICES.imap.prefork`, each segment made safe to print. */
export const safePath = (path: KeyPath): string => path.map((p) => safeText(String(p), LIMITS.excerptChars)).join('.');

/** Where each key path of a config file is: YAML (Locator), or a cyrus.conf read directly. */
export interface Where {
  /** A problem with the value at `path`, or with its closest existing parent (a missing key). */
  atValue(path: KeyPath, message: string): Diagnostic;
  /** A problem with the key that ends `path` (unknown key, name used twice). */
  atKey(path: KeyPath, message: string): Diagnostic;
  /** The keys of the mapping at `path`, in file order. */
  keysAt(path: KeyPath): string[];
  /** 1-based line of the key that ends `path`. */
  lineOfKey(path: KeyPath): number;
}

/** Makes diagnostics for one parsed YAML document. */
export class Locator implements Where {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #file: string;
  /** What each alias stands for, resolved once by the reader (yaml-doc.ts). */
  readonly #aliases: ReadonlyMap<Alias, Node>;
  readonly #index = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(doc: Document, lines: LineCounter, file: string, aliases: ReadonlyMap<Alias, Node> = new Map()) {
    this.#doc = doc;
    this.#lines = lines;
    this.#file = file;
    this.#aliases = aliases;
  }

  /** A mapping key as the data has it (toJS turns every key into a string). */
  static keyText(key: unknown): string {
    return String(isScalar(key) ? key.value : key);
  }

  /** A problem with the value at `path`, or with its closest existing parent (a missing key). */
  atValue(path: KeyPath, message: string): Diagnostic {
    const { node } = this.#walk(path);
    return this.#diagnostic(node, path, message);
  }

  /** A problem with the key that ends `path` (unknown key, name used twice). */
  atKey(path: KeyPath, message: string): Diagnostic {
    const { node, pair } = this.#walk(path);
    return this.#diagnostic(pair?.key ?? node, path, message);
  }

  /** The keys of the mapping at `path`, in file order (toJS() puts integer-like keys first). */
  keysAt(path: KeyPath): string[] {
    const { node, pair } = this.#walk(path);
    const map = this.#resolve(node);
    if ((path.length > 0 && pair === undefined) || !isMap(map)) return [];
    return map.items.map((p) => Locator.keyText(p.key));
  }

  /** 1-based line of the key that ends `path`. */
  lineOfKey(path: KeyPath): number {
    const { node, pair } = this.#walk(path);
    return this.#position(pair?.key ?? node).line;
  }

  #resolve(node: unknown): unknown {
    return this.#aliases.get(node as Alias) ?? node;
  }

  #pairIn(map: YAMLMap, key: string): Pair | undefined {
    let index = this.#index.get(map);
    if (index === undefined) {
      index = new Map();
      for (const p of map.items) {
        const k = Locator.keyText(p.key);
        if (!index.has(k)) index.set(k, p);
      }
      this.#index.set(map, index);
    }
    return index.get(key);
  }

  /** The deepest node along `path`, and the pair holding it when the whole path exists. */
  #walk(path: KeyPath): { node: unknown; pair: Pair | undefined } {
    let node: unknown = this.#doc.contents;
    let pair: Pair | undefined;
    for (const segment of path) {
      node = this.#resolve(node);
      const found = isMap(node) ? this.#pairIn(node, String(segment)) : undefined;
      if (found !== undefined) {
        pair = found;
        node = found.value ?? found.key;
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        pair = undefined;
        node = node.items[segment];
      } else {
        return { node, pair: undefined };
      }
    }
    return { node, pair };
  }

  #position(node: unknown): { line: number; col: number } {
    const offset = (node as Node | null)?.range?.[0];
    return offset === undefined ? { line: 1, col: 1 } : this.#lines.linePos(offset);
  }

  #diagnostic(node: unknown, path: KeyPath, message: string): Diagnostic {
    return { file: this.#file, ...this.#position(node), path: safePath(path), message };
  }
}
