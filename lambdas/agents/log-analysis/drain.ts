/**
 * Online log-template mining in the manner of Drain (He et al., ICWS 2017), with three changes that matter on real
 * logs:
 * - a raw line is first split into header and message ({@link parseLogLine}), so timestamps, levels, hosts and
 *   logger names never take part in grouping, and the message is masked ({@link maskVariables});
 * - a word is presumed constant: a line joins a template only if they differ in values (placeholders, tokens with
 *   digits, positions already found variable), never merely because most words agree, so `VM Started` and `VM
 *   Paused` stay apart;
 * - a position becomes variable on evidence: templates that differ in one word only are merged once that position
 *   has shown many different words (user names, file names), and templates equal but for the length of a run of
 *   values (`<*>` versus `<*> <*>`) are one template.
 * A fixed-depth prefix tree routes each line by its token count and first tokens, which bounds the cost per line.
 */
import { parseLogLine } from './log-header';
import { maskVariables, PLACEHOLDER } from './masking';

export { maskVariables } from './masking';

/** Tuning of the template miner. */
export interface DrainOptions {
  /** Share of positions that must agree for a line to join a template. @default 0.5 */
  readonly similarityThreshold?: number;
  /** Leading tokens used to route a line (the tree depth minus the length layer). @default 2 */
  readonly prefixTokens?: number;
  /** Children per tree node; beyond it new tokens share a wildcard child. @default 100 */
  readonly maxChildren?: number;
  /** Tokens of a line considered; longer lines are cut (a stack dump is not a template). @default 60 */
  readonly maxTokens?: number;
  /** Characters of a line read; the rest is cut before anything else, so a runaway line costs no more than this. @default 1000 */
  readonly maxLineLength?: number;
  /** Distinct words seen at one position before it is taken for a variable. @default 4 */
  readonly variableEvidence?: number;
  /** Split a raw line's header from its message before mining. @default true */
  readonly parseHeaders?: boolean;
}

/** A mined template and the lines it absorbed. */
export interface LogTemplate {
  /** Stable within one miner: `T1`, `T2`, ... in order of first appearance. */
  readonly id: string;
  tokens: string[];
  count: number;
}

export const WILDCARD = '<*>';

interface Node {
  children: Map<string, Node>;
  templates: Entry[];
}

/** A template plus what the miner needs to know about it. */
interface Entry extends LogTemplate {
  /** Distinct words seen at each position (up to the evidence limit), to tell variables from constants. */
  seen: (Set<string> | undefined)[];
  /** The template this one was merged into, if any. */
  mergedInto?: Entry;
}

const newNode = (): Node => ({ children: new Map(), templates: [] });

/** Whitespace tokens of a masked line, `key=value` split so the key stays comparable while the value may vary. */
export function tokenize(masked: string, maxTokens: number): string[] {
  const tokens: string[] = [];
  for (const raw of masked.split(/\s+/)) {
    if (!raw) continue;
    const kv = /^([A-Za-z_][\w.-]*)=(.+)$/.exec(raw);
    if (kv) tokens.push(`${kv[1]}=`, kv[2]!);
    else tokens.push(raw);
    if (tokens.length >= maxTokens) break;
  }
  return tokens;
}

/** A token that stands for a value: a placeholder or the wildcard, alone or with punctuation around it. */
const isValue = (token: string) => PLACEHOLDER.test(token);
/** The token with every placeholder written as the wildcard, so `<IP>` and `<HOST>` in one slot agree. */
const normal = (token: string) => token.replace(/<[A-Z]+>|<\*>/g, WILDCARD);
/** Nothing but values and punctuation (`<IP>:<NUM>`, `(<NUM>)`): the token is a value whatever its wrapping. */
const isPureValue = (token: string) => isValue(token) && !/\w/.test(token.replace(/<[A-Z]+>|<\*>/g, ''));

/** The template miner; feed it lines with {@link DrainMiner.add}. */
export class DrainMiner {
  private readonly root = newNode();
  private readonly options: Required<DrainOptions>;
  private nextId = 1;
  private readonly entries: Entry[] = [];
  /** Templates by their shape with runs of values collapsed: equal shapes are one event. */
  private readonly byShape = new Map<string, Entry>();
  /** Templates by their tokens with one position blanked: the candidates for a variable at that position. */
  private readonly siblings = new Map<string, Entry[]>();

  constructor(options: DrainOptions = {}) {
    this.options = {
      similarityThreshold: options.similarityThreshold ?? 0.5,
      prefixTokens: options.prefixTokens ?? 2,
      maxChildren: options.maxChildren ?? 100,
      maxTokens: options.maxTokens ?? 60,
      maxLineLength: options.maxLineLength ?? 1000,
      variableEvidence: options.variableEvidence ?? 4,
      parseHeaders: options.parseHeaders ?? true,
    };
  }

  /** The templates mined so far (merged ones left out). */
  get templates(): LogTemplate[] {
    return this.entries.filter((entry) => !entry.mergedInto);
  }

  /** The template a template was merged into, or itself: ids returned by {@link add} stay valid through merges. */
  resolve(template: LogTemplate): LogTemplate {
    let entry = template as Entry;
    while (entry.mergedInto) entry = entry.mergedInto;
    return entry;
  }

  /** Adds one line (its first line only, if it has several) and returns the template it now belongs to. */
  add(line: string): LogTemplate {
    const firstLine = (line.split('\n', 1)[0] ?? '').slice(0, this.options.maxLineLength).trim();
    const content = this.options.parseHeaders ? parseLogLine(firstLine).content : firstLine;
    const tokens = tokenize(maskVariables(content), this.options.maxTokens);
    const leaf = this.leafFor(tokens);
    let best: Entry | undefined;
    let bestSimilarity = -1;
    for (const template of leaf.templates) {
      if (template.mergedInto) continue;
      const similarity = compare(template, tokens);
      if (similarity > bestSimilarity) {
        best = template;
        bestSimilarity = similarity;
      }
    }
    if (best && bestSimilarity >= this.options.similarityThreshold) {
      this.absorb(best, tokens);
      return this.resolve(best);
    }
    const shaped = this.byShape.get(shapeOf(tokens));
    if (shaped && !shaped.mergedInto) {
      shaped.count++;
      return this.resolve(shaped);
    }
    const created: Entry = {
      id: `T${this.nextId++}`,
      tokens: [...tokens],
      count: 1,
      seen: tokens.map((token) => (isValue(token) ? undefined : new Set([token]))),
    };
    leaf.templates.push(created);
    this.entries.push(created);
    this.byShape.set(shapeOf(tokens), created);
    this.indexSiblings(created);
    this.mergeSiblings(created);
    return this.resolve(created);
  }

  private absorb(template: Entry, tokens: readonly string[]): void {
    template.count++;
    template.tokens = template.tokens.map((token, i) =>
      token === tokens[i] ? token : normal(token) === normal(tokens[i]!) ? normal(token) : WILDCARD,
    );
    tokens.forEach((token, i) => {
      const seen = template.seen[i];
      if (seen && !isValue(token) && seen.size < this.options.variableEvidence) seen.add(token);
    });
    this.byShape.set(shapeOf(template.tokens), template);
  }

  private indexSiblings(entry: Entry): void {
    entry.tokens.forEach((token, i) => {
      if (isValue(token)) return;
      const key = siblingKey(entry.tokens, i);
      const list = this.siblings.get(key);
      if (list) list.push(entry);
      else this.siblings.set(key, [entry]);
    });
  }

  /**
   * Templates equal but for one word position are one event with a variable there once that position has shown at
   * least `variableEvidence` different words (or one of them already holds a variable there); fewer are read as
   * distinct constants (`Started`, `Paused`).
   */
  private mergeSiblings(entry: Entry): void {
    entry.tokens.forEach((token, i) => {
      if (isValue(token) || entry.mergedInto) return;
      const key = siblingKey(entry.tokens, i);
      const group = (this.siblings.get(key) ?? []).filter(
        (e) => !e.mergedInto && e.tokens.length === entry.tokens.length,
      );
      if (group.length < 2) return;
      const words = new Set<string>();
      let alreadyVariable = false;
      for (const member of group) {
        if (isValue(member.tokens[i]!)) alreadyVariable = true;
        for (const word of member.seen[i] ?? []) words.add(word);
      }
      if (!alreadyVariable && words.size < this.options.variableEvidence) return;
      // A template needs constants to be one: at least two words must remain after the merge.
      if (entry.tokens.filter((t, j) => j !== i && !isValue(t)).length < 2) return;
      const [keeper, ...others] = group.sort((a, b) => b.count - a.count) as [Entry, ...Entry[]];
      keeper.tokens = keeper.tokens.map((t, j) => (j === i ? WILDCARD : t));
      keeper.seen[i] = undefined;
      for (const other of others) this.union(keeper, other);
      // A template of the same shape made earlier (its lines routed elsewhere) is the same event.
      const shaped = this.byShape.get(shapeOf(keeper.tokens));
      if (shaped && shaped !== keeper && !shaped.mergedInto) this.union(keeper, shaped);
      this.byShape.set(shapeOf(keeper.tokens), keeper);
    });
  }

  private union(keeper: Entry, other: Entry): void {
    other.mergedInto = keeper;
    keeper.count += other.count;
    // Lines routed to the other template's leaf still find the keeper through its shape.
    this.byShape.set(shapeOf(other.tokens), keeper);
  }

  private leafFor(tokens: string[]): Node {
    let node = this.child(this.root, `#${tokens.length}`, true);
    const depth = Math.min(this.options.prefixTokens, tokens.length);
    for (let i = 0; i < depth; i++) {
      const token = tokens[i]!;
      const key = isValue(token) || /\d/.test(token) ? WILDCARD : token;
      node = this.child(node, key, false);
    }
    return node;
  }

  private child(node: Node, key: string, unbounded: boolean): Node {
    const existing = node.children.get(key);
    if (existing) return existing;
    // A full node sends every further distinct token to its wildcard child, bounding the tree's width.
    const routed = !unbounded && node.children.size >= this.options.maxChildren - 1 ? WILDCARD : key;
    let next = node.children.get(routed);
    if (!next) {
      next = newNode();
      node.children.set(routed, next);
    }
    return next;
  }
}

/** The tokens with runs of values collapsed into one wildcard. */
function shapeOf(tokens: readonly string[]): string {
  const out: string[] = [];
  for (const token of tokens) {
    const value = isPureValue(token);
    if (value && out[out.length - 1] === WILDCARD) continue;
    out.push(value ? WILDCARD : normal(token));
  }
  return out.join(' ');
}

const siblingKey = (tokens: readonly string[], at: number) =>
  `${tokens.length}|${at}|${tokens.map((t, i) => (i === at ? '' : normal(t))).join(' ')}`;

/**
 * Share of positions where template and line agree: the same token, or a value in both. A position where they hold
 * different words, or a word and a value, disqualifies the template (-1): a word is a constant until shown otherwise.
 */
function compare(template: Entry, tokens: readonly string[]): number {
  if (template.tokens.length !== tokens.length) return -1;
  if (tokens.length === 0) return 1;
  let same = 0;
  for (let i = 0; i < tokens.length; i++) {
    const mine = template.tokens[i]!;
    const theirs = tokens[i]!;
    if (mine === theirs || normal(mine) === normal(theirs)) same++;
    else if (isPureValue(mine) && isPureValue(theirs)) same++;
    else if (mine === WILDCARD) same += isValue(theirs) ? 1 : 0.5;
    else if (isValue(mine) || isValue(theirs)) same += 0;
    else return -1;
  }
  return same / tokens.length;
}

/** A template as text, with `key= value` pairs joined back. */
export function templateText(template: Pick<LogTemplate, 'tokens'>): string {
  return template.tokens.join(' ').replace(/(\w)= /g, '$1=');
}
