// Key paths -> positions in the YAML file, so each diagnostic points at the node it is about.
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { Diagnostic } from '../errors.js';

export type KeyPath = readonly (string | number)[];

/** Makes diagnostics for one parsed document. */
export class Locator {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #file: string;

  constructor(doc: Document, lines: LineCounter, file: string) {
    this.#doc = doc;
    this.#lines = lines;
    this.#file = file;
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
    const map = isAlias(node) ? node.resolve(this.#doc) : node;
    if ((path.length > 0 && pair === undefined) || !isMap(map)) return [];
    return map.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  }

  /** 1-based line of the key that ends `path`. */
  lineOfKey(path: KeyPath): number {
    const { node, pair } = this.#walk(path);
    return this.#position(pair?.key ?? node).line;
  }

  /** The deepest node along `path`, and the pair holding it when the whole path exists. */
  #walk(path: KeyPath): { node: unknown; pair: Pair | undefined } {
    let node: unknown = this.#doc.contents;
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(this.#doc);
      const found = isMap(node)
        ? node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(segment))
        : undefined;
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
    return { file: this.#file, ...this.#position(node), path: path.join('.'), message };
  }
}
