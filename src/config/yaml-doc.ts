// YAML text -> plain data and a Locator, or positioned diagnostics. Nothing the yaml library
// throws or reports gets past this module: syntax errors, duplicate keys, aliases that do not
// resolve and alias bombs are all diagnostics at the node they are about.
//
// Two checks are done here in one linear pass instead of by the library: duplicate keys (its own
// check compares every key of a mapping with every other, quadratic in the entries of a section)
// and alias resolution (its Alias.resolve walks the whole document for each alias).
import { isPair, LineCounter, Lexer, parseDocument, visit, type Alias, type Node, type YAMLError } from 'yaml';
import { err, ok, type Diagnostic, type Result } from '../errors.js';
import { quoted } from './describe.js';
import { Locator, safePath, type Where } from './locate.js';

/** A parsed YAML file: its data (toJS) and where each node is. */
export interface YamlDoc {
  readonly data: unknown;
  readonly where: Where;
}

/** How many times aliases may copy a node in all, before the document is treated as an alias bomb. */
const MAX_ALIAS_COPIES = 100;

/** Parses `text` read from `file`. */
export function parseYaml(text: string, file: string): Result<YamlDoc, Diagnostic[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number | undefined): { line: number; col: number } => (offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset));
  const problem = (offset: number | undefined, message: string): Diagnostic => ({ file, ...at(offset), path: '', message });
  // A document with syntax errors is only partly read; looking further would report phantom problems.
  if (doc.errors.length > 0) return err(syntaxDiagnostics(doc.errors, text, problem));

  const diagnostics: Diagnostic[] = [];
  const anchors = new Map<string, Node>();
  const aliases = new Map<Alias, Node>();
  const anchored = (node: Node): void => {
    if (node.anchor !== undefined) anchors.set(node.anchor, node);
  };
  visit(doc, {
    Alias: (_, alias) => {
      const target = anchors.get(alias.source);
      if (target === undefined) diagnostics.push(problem(alias.range?.[0], `alias ${quoted(`*${alias.source}`)} refers to no anchor defined before it (write \`&${alias.source}\` on an earlier value)`));
      else aliases.set(alias, target);
    },
    Scalar: (_, scalar) => anchored(scalar),
    Seq: (_, seq) => anchored(seq),
    Map: (_, map, ancestors) => {
      anchored(map);
      const above = ancestors.filter(isPair).map((p) => Locator.keyText(p.key));
      const seen = new Map<string, number | undefined>();
      for (const pair of map.items) {
        const key = Locator.keyText(pair.key);
        const keyOffset = (pair.key as Node | null)?.range?.[0];
        if (seen.has(key)) diagnostics.push({ ...problem(keyOffset, `key ${quoted(key)} appears twice in this mapping (first at line ${at(seen.get(key)).line})`), path: safePath([...above, key]) });
        else seen.set(key, keyOffset);
      }
    },
  });
  if (diagnostics.length > 0) return err(diagnostics);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COPIES });
  } catch (e) {
    // Only an alias bomb is left to throw here (resolution was checked above); point at the first alias.
    const first = aliases.keys().next().value;
    const why = e instanceof Error && /alias count/i.test(e.message) ? `aliases copy their values more than ${MAX_ALIAS_COPIES} times in all (an alias bomb?); write the values out` : `cannot be read as data (${e instanceof Error ? e.message : String(e)})`;
    return err([problem(first?.range?.[0], why)]);
  }
  return ok({ data, where: new Locator(doc, lines, file, aliases) });
}

/**
 * The library's syntax errors as diagnostics. A string whose closing quote is missing is reported
 * where it opens (the library reports where it gave up), and what follows it is not reported:
 * the parser read the rest of the file as the string's continuation.
 */
function syntaxDiagnostics(errors: readonly YAMLError[], text: string, problem: (offset: number | undefined, message: string) => Diagnostic): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const message = (e.message.split('\n')[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, '');
    const quote = e.code === 'MISSING_CHAR' && /quote/.test(message) ? quotedToken(text, e.pos[0]) : undefined;
    if (quote === undefined) {
      out.push(problem(e.pos[0], `${PLAIN_MESSAGES[e.code] ?? message} (YAML ${e.code})`));
      continue;
    }
    const [opens, ends] = [problem(quote.start, ''), problem(Math.max(quote.start, quote.end - 1), '')];
    const runsOn = ends.line > opens.line ? `: it runs on to line ${ends.line}` : '';
    out.push(problem(quote.start, `this ${text[quote.start] === '"' ? 'double' : 'single'}-quoted string is never closed${runsOn} (YAML ${e.code})`));
    break;
  }
  return out;
}

/** The library's messages that speak to a programmer, said for the person who edits the file. */
const PLAIN_MESSAGES: Partial<Record<YAMLError['code'], string>> = {
  MULTIPLE_DOCS: 'a config file is one YAML document; this `---` starts a second one',
};

const NOT_IN_SOURCE = new Set(['\u0002', '\u0018', '\u001f']);

/** The quoted scalar running up to `errorAt`: where its opening quote is and where it ends, from the lexer's tokens. */
function quotedToken(text: string, errorAt: number): { start: number; end: number } | undefined {
  let offset = 0;
  let found: { start: number; end: number } | undefined;
  for (const token of new Lexer().lex(text)) {
    if (NOT_IN_SOURCE.has(token)) continue; // markers the lexer adds (document start, flow end, scalar)
    if ((token.startsWith('"') || token.startsWith("'")) && offset <= errorAt && errorAt <= offset + token.length) found = { start: offset, end: offset + token.length };
    offset += token.length;
  }
  return found;
}
