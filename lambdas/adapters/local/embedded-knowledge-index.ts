import { type AnyOrama, create, insertMultiple, search as oramaSearch } from '@orama/orama';
import { spellOutIdentifiers } from '../../knowledge/identifiers';
import { distinctTerms, terms } from '../../knowledge/lexical';
import { type ChunkingOptions, loadKnowledgeBase } from '../../knowledge/markdown';
import { buildSnippet } from '../../knowledge/snippet';
import { expandQuery } from '../../knowledge/synonyms';
import type { Embedder, KnowledgeChunk, KnowledgeHit, KnowledgeIndex } from '../../ports/knowledge-index';

/** Relative weight of the lexical (BM25) and the semantic (vector) signal in the fused score. */
export interface HybridWeights {
  readonly lexical: number;
  readonly vector: number;
}

/** Which retrievers a search uses; `lexical` alone is the plain BM25 baseline. */
export type SearchMode = 'hybrid' | 'lexical' | 'vector';

/** Ranking knobs. The defaults were chosen on the project's own sample knowledge base and its own queries. */
export interface EmbeddedIndexOptions {
  /**
   * BM25 boost per field.
   * @default { title: 3, keywords: 2, section: 1.5, text: 1 }
   */
  readonly boosts?: Partial<Record<SearchField, number>>;
  /**
   * The offline sentence encoder is much weaker than BM25 on IT text on its own (R@1 about 0.6 against about 0.9 on
   * the sample knowledge base), so it informs rather than leads.
   * @default { lexical: 0.7, vector: 0.3 }
   */
  readonly weights?: HybridWeights;
  /**
   * Weight of the IT synonym expansion relative to the query's own words; 0 disables expansion.
   * @default 0.4
   */
  readonly expansionWeight?: number;
  /**
   * Share of an article's second-best chunk added to its best chunk's lexical score (an article that matches in two
   * places is a better bet than one lucky paragraph).
   * @default 0.25
   */
  readonly secondChunkWeight?: number;
  /**
   * Chunks taken from each retriever before fusing.
   * @default 100
   */
  readonly candidates?: number;
  /**
   * Characters of the query that are embedded. Embedding cost grows with length (about 0.35 ms per token) and the
   * opening words of a ticket or an alert carry its subject, while BM25 still reads the whole query.
   * @default 100
   */
  readonly vectorQueryChars?: number;
  /**
   * Characters embedded per chunk: the title, heading path and the opening of the text. Embedding time grows with
   * length (about 0.35 ms per token) and the encoder reads only about 128 tokens anyway; the opening of a section says
   * what it is about, and on the sample knowledge base 100 characters retrieve as well as 500.
   * @default 100
   */
  readonly chunkEmbeddingChars?: number;
  /**
   * Share of an article's semantic score that comes from its centroid (the mean of its chunk vectors: what the
   * article as a whole is about) rather than from its single most similar chunk.
   * @default 0.5
   */
  readonly centroidWeight?: number;
  /**
   * How much the absolute match quality (share of the query's informative words found in the article; absolute
   * cosine similarity) reorders the fused relative ranking: 0 ranks by the relative fusion alone, 1 by their product.
   * @default 1
   */
  readonly matchQualityWeight?: number;
  /** Default mode of {@link EmbeddedKnowledgeIndex.search}. @default 'hybrid' */
  readonly mode?: SearchMode;
}

/** Per-call overrides of {@link EmbeddedKnowledgeIndex.search}. */
export interface EmbeddedSearchOptions {
  readonly mode?: SearchMode;
}

/** What a build did and how long it took, in milliseconds. */
export interface EmbeddedIndexStats {
  articles: number;
  chunks: number;
  /** Reading and chunking the markdown (0 when chunks were handed in). */
  loadMs: number;
  /** Embedding every chunk, including the model's first load. */
  embedMs: number;
  /** Inserting into Orama. */
  indexMs: number;
  buildMs: number;
}

type SearchField = 'title' | 'keywords' | 'section' | 'text';

/** A chunk, plus the optional article metadata that {@link loadKnowledgeBase} attaches. */
type IndexableChunk = KnowledgeChunk & { keywords?: readonly string[]; category?: string; ordinal?: number };

const DEFAULT_BOOSTS: Record<SearchField, number> = { title: 3, keywords: 2, section: 1.5, text: 1 };
const SEARCH_FIELDS: SearchField[] = ['title', 'keywords', 'section', 'text'];
const MAX_K = 50;
/**
 * Below this cosine similarity the sentence encoder's "match" is noise (off-topic text such as "the quick brown fox"
 * or "please help" reaches 0.2-0.4 against IT runbooks); it maps to 0 in the absolute score.
 */
const COSINE_FLOOR = 0.35;
/** At or above this cosine similarity a chunk is as on-topic as the encoder can tell; it maps to 1. */
const COSINE_CEILING = 0.75;
/** Marks the end of every indexed term so Orama's prefix matching (`log` finding `login`) cannot apply. */
const TERM_END = '~';

interface ChunkScore {
  lexical: number;
  cosine: number;
}

interface ArticleInfo {
  title: string;
  updatedAt?: string;
  terms: Set<string>;
  /** Unit-length mean of the article's chunk vectors. */
  centroid?: Float32Array;
}

/**
 * Hybrid knowledge index embedded in the process. Orama holds one document per chunk: BM25 fields (title, keywords,
 * section path, text) through a tokenizer that splits identifiers, drops stop words, stems and matches whole terms
 * only, plus a sentence-encoder vector of the chunk's opening.
 *
 * A search runs BM25 (the query's own words, then IT synonyms of them at lower weight) and vector similarity
 * separately and collapses chunks to articles (lexical: best chunk plus a share of the second; semantic: best chunk
 * blended with the article's centroid). The two max-normalized signals are fused with {@link HybridWeights}, and the
 * result is multiplied by the absolute match quality: the IDF-weighted share of the query's known words the article
 * contains, and the cosine similarity mapped from the encoder's noise level to 0..1. Reported scores are that
 * ranking value relative to the best hit, times the best hit's match quality: ordered, in 0..1, and low for a query
 * the knowledge base has nothing for.
 */
export class EmbeddedKnowledgeIndex implements KnowledgeIndex {
  private constructor(
    private readonly db: AnyOrama,
    private readonly embedder: Embedder,
    private readonly chunks: Map<string, IndexableChunk>,
    private readonly articles: Map<string, ArticleInfo>,
    private readonly documentFrequency: Map<string, number>,
    private readonly options: Required<Omit<EmbeddedIndexOptions, 'boosts' | 'weights'>> & {
      boosts: Record<SearchField, number>;
      weights: HybridWeights;
    },
    readonly stats: EmbeddedIndexStats,
  ) {}

  /** Embeds `chunks` with `embedder` and indexes them. */
  static async create(
    chunks: readonly IndexableChunk[],
    embedder: Embedder,
    options: EmbeddedIndexOptions = {},
  ): Promise<EmbeddedKnowledgeIndex> {
    const started = performance.now();
    const db = create({
      schema: {
        title: 'string',
        keywords: 'string',
        section: 'string',
        text: 'string',
        embedding: `vector[${embedder.dimensions}]`,
      } as const,
      components: { tokenizer: termTokenizer() as never },
    });

    const embeddingChars = options.chunkEmbeddingChars ?? 100;
    const vectors = await embedder.embed(chunks.map((chunk) => clip(embeddingText(chunk), embeddingChars)));
    const embedded = performance.now();

    await insertMultiple(
      db,
      chunks.map((chunk, i) => ({
        id: chunk.chunkId,
        title: chunk.title,
        keywords: (chunk.keywords ?? []).join(' '),
        section: chunk.section ?? '',
        text: chunk.text,
        embedding: vectors[i],
      })),
      500,
    );

    const byId = new Map<string, IndexableChunk>();
    const articles = new Map<string, ArticleInfo>();
    for (const chunk of chunks) {
      byId.set(chunk.chunkId, chunk);
      let article = articles.get(chunk.articleId);
      if (!article) {
        article = { title: chunk.title, updatedAt: chunk.updatedAt, terms: new Set(terms(chunk.title)) };
        articles.set(chunk.articleId, article);
      }
      for (const term of terms(`${chunk.section ?? ''} ${chunk.text} ${(chunk.keywords ?? []).join(' ')}`)) {
        article.terms.add(term);
      }
    }
    const dimensions = embedder.dimensions;
    const sums = new Map<string, Float32Array>();
    chunks.forEach((chunk, i) => {
      let sum = sums.get(chunk.articleId);
      if (!sum) {
        sum = new Float32Array(dimensions);
        sums.set(chunk.articleId, sum);
      }
      const vector = vectors[i];
      for (let d = 0; d < dimensions; d++) sum[d] += vector[d] ?? 0;
    });
    for (const [articleId, sum] of sums) {
      const article = articles.get(articleId);
      if (article) article.centroid = unit(sum);
    }
    const documentFrequency = new Map<string, number>();
    for (const article of articles.values()) {
      for (const term of article.terms) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
    }
    const finished = performance.now();

    return new EmbeddedKnowledgeIndex(
      db,
      embedder,
      byId,
      articles,
      documentFrequency,
      {
        boosts: { ...DEFAULT_BOOSTS, ...options.boosts },
        weights: options.weights ?? { lexical: 0.7, vector: 0.3 },
        expansionWeight: options.expansionWeight ?? 0.4,
        secondChunkWeight: options.secondChunkWeight ?? 0.25,
        candidates: options.candidates ?? 100,
        vectorQueryChars: options.vectorQueryChars ?? 100,
        chunkEmbeddingChars: embeddingChars,
        centroidWeight: options.centroidWeight ?? 0.5,
        matchQualityWeight: options.matchQualityWeight ?? 1,
        mode: options.mode ?? 'hybrid',
      },
      {
        articles: articles.size,
        chunks: chunks.length,
        loadMs: 0,
        embedMs: Math.round(embedded - started),
        indexMs: Math.round(finished - embedded),
        buildMs: Math.round(finished - started),
      },
    );
  }

  /**
   * The `k` best articles for `query`, best first, one hit per article (its best chunk gives the snippet and
   * section). Blank queries, and queries with neither a word the knowledge base knows nor a meaningful semantic
   * similarity (stop words only, gibberish), return no hits.
   */
  async search(query: string, k = 5, options: EmbeddedSearchOptions = {}): Promise<KnowledgeHit[]> {
    const limit = Math.min(MAX_K, Math.floor(Number.isFinite(k) ? k : 5));
    const text = query.replace(/\s+/g, ' ').trim();
    if (limit <= 0 || text === '') return [];
    const mode = options.mode ?? this.options.mode;
    const useLexical = mode !== 'vector';
    const useVector = mode !== 'lexical';

    const queryTerms = distinctTerms(text);
    const chunkScores = new Map<string, ChunkScore>();
    const scoreOf = (id: string): ChunkScore => {
      let score = chunkScores.get(id);
      if (!score) {
        score = { lexical: 0, cosine: 0 };
        chunkScores.set(id, score);
      }
      return score;
    };

    if (useLexical && queryTerms.length > 0) {
      for (const [id, score] of await this.lexicalSearch(text)) scoreOf(id).lexical += score;
      const expansion = this.options.expansionWeight > 0 ? expandQuery(text) : [];
      if (expansion.length > 0) {
        for (const [id, score] of await this.lexicalSearch(expansion.join(' '))) {
          scoreOf(id).lexical += this.options.expansionWeight * score;
        }
      }
    }
    let queryVector: Float32Array | undefined;
    if (useVector && /[\p{L}\p{N}]/u.test(text)) {
      const [vector] = await this.embedder.embed([vectorQueryText(text, this.options.vectorQueryChars)]);
      if (vector?.some((value) => value !== 0)) {
        queryVector = unit(Float32Array.from(vector));
        for (const [id, cosine] of await this.vectorSearch(vector)) scoreOf(id).cosine = cosine;
      }
    }
    if (chunkScores.size === 0) return [];

    return this.rankArticles(chunkScores, queryTerms, queryVector, mode, limit);
  }

  /** An article's chunks in their order in the article, to ground a suggested resolution in whole sections. */
  async chunksOf(articleId: string): Promise<KnowledgeChunk[]> {
    return [...this.chunks.values()]
      .filter((chunk) => chunk.articleId === articleId)
      .sort((a, b) => (a.ordinal ?? 0) - (b.ordinal ?? 0))
      .map(({ chunkId, articleId: id, title, section, text, updatedAt }) => ({
        chunkId,
        articleId: id,
        title,
        text,
        ...(section ? { section } : {}),
        ...(updatedAt ? { updatedAt } : {}),
      }));
  }

  private async lexicalSearch(term: string): Promise<[string, number][]> {
    const results = await oramaSearch(this.db, {
      term,
      properties: SEARCH_FIELDS,
      boost: this.options.boosts,
      limit: this.options.candidates,
      threshold: 1,
    });
    return results.hits.map((hit) => [hit.id, hit.score]);
  }

  private async vectorSearch(vector: number[]): Promise<[string, number][]> {
    const results = await oramaSearch(this.db, {
      mode: 'vector',
      vector: { value: vector, property: 'embedding' },
      similarity: 0.05,
      limit: this.options.candidates,
      includeVectors: false,
    });
    return results.hits.map((hit) => [hit.id, hit.score]);
  }

  private rankArticles(
    chunkScores: Map<string, ChunkScore>,
    queryTerms: string[],
    queryVector: Float32Array | undefined,
    mode: SearchMode,
    limit: number,
  ): KnowledgeHit[] {
    interface ArticleScore {
      articleId: string;
      lexicalBest: number;
      lexicalSecond: number;
      cosine: number;
      chunkIds: string[];
    }
    const byArticle = new Map<string, ArticleScore>();
    for (const [chunkId, score] of chunkScores) {
      const chunk = this.chunks.get(chunkId);
      if (!chunk) continue;
      let article = byArticle.get(chunk.articleId);
      if (!article) {
        article = { articleId: chunk.articleId, lexicalBest: 0, lexicalSecond: 0, cosine: 0, chunkIds: [] };
        byArticle.set(chunk.articleId, article);
      }
      article.chunkIds.push(chunkId);
      if (score.lexical > article.lexicalBest) {
        article.lexicalSecond = article.lexicalBest;
        article.lexicalBest = score.lexical;
      } else if (score.lexical > article.lexicalSecond) {
        article.lexicalSecond = score.lexical;
      }
      article.cosine = Math.max(article.cosine, score.cosine);
    }

    const { centroidWeight, secondChunkWeight } = this.options;
    const all = [...byArticle.values()].map((article) => {
      const centroid = this.articles.get(article.articleId)?.centroid;
      const centroidCosine = queryVector && centroid ? dot(queryVector, centroid) : 0;
      return {
        article,
        lexical: article.lexicalBest + secondChunkWeight * article.lexicalSecond,
        cosine: queryVector ? (1 - centroidWeight) * article.cosine + centroidWeight * Math.max(0, centroidCosine) : 0,
      };
    });
    const maxLexical = Math.max(0, ...all.map((a) => a.lexical));
    const maxCosine = Math.max(0, ...all.map((a) => a.cosine));
    const weights = effectiveWeights(mode, this.options.weights, maxLexical > 0, maxCosine > 0);
    // How much each signal counts as evidence of a real match: by the configured weights even when one retriever
    // found nothing, so a query none of whose words the knowledge base knows cannot score high on vectors alone.
    const evidence = effectiveWeights(mode, this.options.weights, true, true);
    const termWeights = this.termWeights(queryTerms);

    const scored = all.map((entry) => {
      const { articleId } = entry.article;
      const relative =
        weights.lexical * (maxLexical > 0 ? entry.lexical / maxLexical : 0) +
        weights.vector * (maxCosine > 0 ? entry.cosine / maxCosine : 0);
      const coverage = this.coverage(articleId, termWeights);
      const semantic = clamp01((entry.cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR));
      const absolute = evidence.lexical * coverage + evidence.vector * semantic;
      const quality = this.options.matchQualityWeight;
      return { article: entry.article, relative, absolute, rank: relative * (1 - quality + quality * absolute) };
    });
    const ranked = scored
      .sort(
        (a, b) => b.rank - a.rank || b.relative - a.relative || a.article.articleId.localeCompare(b.article.articleId),
      )
      .slice(0, limit);
    // Scores are the ranking values scaled by how well the best article really matches: ordered like the ranking,
    // and low across the board for a query the knowledge base has nothing for.
    const topRank = ranked[0]?.rank ?? 0;
    const confidence = ranked[0]?.absolute ?? 0;

    const chunkMaxLexical = Math.max(0, ...[...chunkScores.values()].map((s) => s.lexical));
    const chunkMaxCosine = Math.max(0, ...[...chunkScores.values()].map((s) => s.cosine));
    const hits: KnowledgeHit[] = [];
    for (const { article, rank } of ranked) {
      const score = round(topRank > 0 ? clamp01((rank / topRank) * confidence) : 0);
      // Zero means neither a known word nor a meaningful similarity: nothing worth showing.
      if (score <= 0) continue;
      const best = this.bestChunk(article.chunkIds, chunkScores, weights, chunkMaxLexical, chunkMaxCosine);
      const info = this.articles.get(article.articleId);
      hits.push({
        articleId: article.articleId,
        title: info?.title ?? best.title,
        score,
        snippet: buildSnippet(best.text, queryTerms),
        ...(best.section ? { section: best.section } : {}),
        ...(info?.updatedAt ? { updatedAt: info.updatedAt } : {}),
      });
    }
    return hits;
  }

  /** Inverse document frequency (over articles) of each query term the knowledge base knows. */
  private termWeights(queryTerms: string[]): Map<string, number> {
    const total = this.articles.size;
    const weightsByTerm = new Map<string, number>();
    for (const term of queryTerms) {
      const df = this.documentFrequency.get(term);
      if (df) weightsByTerm.set(term, Math.log(1 + (total - df + 0.5) / (df + 0.5)));
    }
    return weightsByTerm;
  }

  /** IDF-weighted share of the query's known terms that occur anywhere in the article. */
  private coverage(articleId: string, termWeights: Map<string, number>): number {
    const info = this.articles.get(articleId);
    if (!info || termWeights.size === 0) return 0;
    let found = 0;
    let total = 0;
    for (const [term, weight] of termWeights) {
      total += weight;
      if (info.terms.has(term)) found += weight;
    }
    return total > 0 ? found / total : 0;
  }

  private bestChunk(
    chunkIds: string[],
    chunkScores: Map<string, ChunkScore>,
    weights: HybridWeights,
    maxLexical: number,
    maxCosine: number,
  ): IndexableChunk {
    let bestId = chunkIds[0];
    let bestScore = -1;
    for (const id of chunkIds) {
      const score = chunkScores.get(id);
      if (!score) continue;
      const fused =
        weights.lexical * (maxLexical > 0 ? score.lexical / maxLexical : 0) +
        weights.vector * (maxCosine > 0 ? score.cosine / maxCosine : 0);
      if (fused > bestScore) {
        bestScore = fused;
        bestId = id;
      }
    }
    return this.chunks.get(bestId)!;
  }
}

/** Where to build an index from and how. */
export interface BuildEmbeddedKnowledgeIndexInput {
  /** Folder of markdown files, read recursively. */
  readonly dir: string;
  readonly embedder: Embedder;
  readonly chunking?: ChunkingOptions;
  readonly index?: EmbeddedIndexOptions;
}

/** Loads, chunks, embeds and indexes every markdown file under `dir`. */
export async function buildEmbeddedKnowledgeIndex(
  input: BuildEmbeddedKnowledgeIndexInput,
): Promise<{ index: EmbeddedKnowledgeIndex; stats: EmbeddedIndexStats; chunks: readonly KnowledgeChunk[] }> {
  const started = performance.now();
  const { chunks } = await loadKnowledgeBase(input.dir, input.chunking);
  const loadMs = Math.round(performance.now() - started);
  const index = await EmbeddedKnowledgeIndex.create(chunks, input.embedder, input.index);
  const stats: EmbeddedIndexStats = { ...index.stats, loadMs, buildMs: Math.round(performance.now() - started) };
  Object.assign(index.stats, stats);
  return { index, stats, chunks };
}

/** Text embedded for a chunk: the article title and heading path anchor even a terse section to its topic. */
export function embeddingText(chunk: IndexableChunk): string {
  const head = chunk.section ? `${chunk.title} - ${chunk.section}` : chunk.title;
  const keywords = chunk.ordinal === 0 && chunk.keywords?.length ? ` (${chunk.keywords.join(', ')})` : '';
  return `${head}${keywords}: ${chunk.text}`;
}

/**
 * Orama tokenizer over {@link terms}: stop words out, identifiers split, Porter stems, and an end marker on every
 * term so only whole terms match. Documents keep repeated terms (term frequency); queries are de-duplicated.
 */
function termTokenizer() {
  return {
    language: 'english',
    normalizationCache: new Map<string, string>(),
    tokenize(raw: string, _language?: string, prop?: string): string[] {
      if (typeof raw !== 'string') return [raw];
      const tokens = terms(raw).map((term) => term + TERM_END);
      return prop === undefined ? [...new Set(tokens)] : tokens;
    },
  };
}

function effectiveWeights(mode: SearchMode, weights: HybridWeights, hasLexical: boolean, hasVector: boolean) {
  if (mode === 'lexical' || !hasVector) return { lexical: 1, vector: 0 };
  if (mode === 'vector' || !hasLexical) return { lexical: 0, vector: 1 };
  const sum = weights.lexical + weights.vector;
  return sum > 0 ? { lexical: weights.lexical / sum, vector: weights.vector / sum } : { lexical: 0.5, vector: 0.5 };
}

/**
 * What is embedded for a query: its opening `maxChars`, identifiers spelled out as words (`ServerCpuTooHigh` ->
 * `Server Cpu Too High`, which the encoder's vocabulary knows). The text otherwise stays as written: the encoder
 * reads natural sentences better than keyword lists, and its cost is a few milliseconds plus about 0.35 ms a token.
 */
export function vectorQueryText(query: string, maxChars: number): string {
  return clip(spellOutIdentifiers(query), maxChars);
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars);
  const space = cut.lastIndexOf(' ');
  return space > maxChars * 0.6 ? cut.slice(0, space) : cut;
}

function unit(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
  return vector;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0));
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}
