/**
 * Online log-template mining in the manner of Drain (He et al., ICWS 2017): a fixed-depth prefix tree routes each
 * masked, tokenised line by its token count and first tokens to a leaf of candidate templates; the line joins the most
 * similar template if the share of identical tokens reaches the threshold (differing positions become `<*>`), else
 * it starts a new template. Cost per line is bounded by the tree depth and the templates in one leaf.
 */

/** Tuning of the template miner. */
export interface DrainOptions {
  /** Share of positions that must be identical for a line to join a template. @default 0.5 */
  readonly similarityThreshold?: number;
  /** Leading tokens used to route a line (the tree depth minus the length layer). @default 2 */
  readonly prefixTokens?: number;
  /** Children per tree node; beyond it new tokens share a wildcard child. @default 100 */
  readonly maxChildren?: number;
  /** Tokens of a line considered; longer lines are cut (a stack dump is not a template). @default 60 */
  readonly maxTokens?: number;
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
  templates: LogTemplate[];
}

const newNode = (): Node => ({ children: new Map(), templates: [] });

/** Masks the parts of a line that vary between occurrences of the same event. */
export function maskVariables(line: string): string {
  return line
    .replace(/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<TIME>')
    .replace(/\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, '<TIME>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<UUID>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '<IP>')
    .replace(/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<EMAIL>')
    .replace(/https?:\/\/\S+/g, '<URL>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<HEX>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b/gi, '<HEX>')
    .replace(/(^|[\s=:([,])-?\d+(?:\.\d+)?(?:ms|s|m|h|kb|mb|gb|%)?(?=$|[\s,;)\]])/gi, '$1<NUM>');
}

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

const hasDigit = (token: string) => /\d/.test(token);
const isVariable = (token: string) => token === WILDCARD || /^<[A-Z]+>$/.test(token);

/** The template miner; feed it lines with {@link DrainMiner.add}. */
export class DrainMiner {
  private readonly root = newNode();
  private readonly options: Required<DrainOptions>;
  private nextId = 1;
  readonly templates: LogTemplate[] = [];

  constructor(options: DrainOptions = {}) {
    this.options = {
      similarityThreshold: options.similarityThreshold ?? 0.5,
      prefixTokens: options.prefixTokens ?? 2,
      maxChildren: options.maxChildren ?? 100,
      maxTokens: options.maxTokens ?? 60,
    };
  }

  /** Adds one line (its first line only, if it has several) and returns the template it now belongs to. */
  add(line: string): LogTemplate {
    const firstLine = line.split('\n', 1)[0] ?? '';
    const tokens = tokenize(maskVariables(firstLine.trim()), this.options.maxTokens);
    const leaf = this.leafFor(tokens);
    let best: LogTemplate | undefined;
    let bestSimilarity = -1;
    let bestVariables = Number.POSITIVE_INFINITY;
    for (const template of leaf.templates) {
      const { similarity, variables } = compare(template.tokens, tokens);
      if (similarity > bestSimilarity || (similarity === bestSimilarity && variables < bestVariables)) {
        best = template;
        bestSimilarity = similarity;
        bestVariables = variables;
      }
    }
    if (best && bestSimilarity >= this.options.similarityThreshold) {
      best.tokens = best.tokens.map((token, i) => (token === tokens[i] ? token : WILDCARD));
      best.count++;
      return best;
    }
    const created: LogTemplate = { id: `T${this.nextId++}`, tokens: [...tokens], count: 1 };
    leaf.templates.push(created);
    this.templates.push(created);
    return created;
  }

  private leafFor(tokens: string[]): Node {
    let node = this.child(this.root, `#${tokens.length}`, true);
    const depth = Math.min(this.options.prefixTokens, tokens.length);
    for (let i = 0; i < depth; i++) {
      const token = tokens[i]!;
      const key = hasDigit(token) || isVariable(token) ? WILDCARD : token;
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

/** Share of positions where template and line agree exactly; wildcards neither help nor hurt the count of variables. */
function compare(template: readonly string[], tokens: readonly string[]): { similarity: number; variables: number } {
  if (template.length !== tokens.length || tokens.length === 0)
    return { similarity: tokens.length === 0 ? 1 : 0, variables: 0 };
  let same = 0;
  let variables = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (template[i] === WILDCARD) variables++;
    else if (template[i] === tokens[i]) same++;
  }
  return { similarity: same / tokens.length, variables };
}

/** A template as text, with `key= value` pairs joined back. */
export function templateText(template: Pick<LogTemplate, 'tokens'>): string {
  return template.tokens.join(' ').replace(/(\w)= /g, '$1=');
}
