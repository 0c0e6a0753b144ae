import * as z from 'zod';
import { distinctTerms } from '../../knowledge/lexical';
import { buildSnippet } from '../../knowledge/snippet';
import type { Embedder, KnowledgeChunk, KnowledgeHit, KnowledgeIndex } from '../../ports/knowledge-index';
import type { IndexedChunk, KnowledgeChunkReader, KnowledgeIndexWriter } from '../../ports/knowledge-sync';

/**
 * The part of `@opensearch-project/opensearch`'s `Client` this adapter uses. Responses are parsed with zod here, so
 * the adapter depends on the wire format, not on the client's generated types.
 */
export interface OpenSearchLike {
  indices: {
    exists(params: { index: string }): Promise<{ body: unknown }>;
    // biome-ignore lint/suspicious/noExplicitAny: request bodies are OpenSearch DSL, typed by the client itself.
    create(params: { index: string; body: any }): Promise<unknown>;
  };
  searchPipeline: {
    // biome-ignore lint/suspicious/noExplicitAny: see above.
    put(params: { id: string; body: any }): Promise<unknown>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  search(params: { index: string; body: any; search_pipeline?: string }): Promise<{ body: unknown }>;
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  bulk(params: { body: any[] }): Promise<{ body: unknown }>;
}

/** Options of {@link OpenSearchKnowledgeIndex}. */
export interface OpenSearchKnowledgeIndexOptions {
  readonly client: OpenSearchLike;
  readonly index: string;
  /** Embeds chunks at write time and queries at search time; its `dimensions` fix the mapping. */
  readonly embedder: Embedder;
  /** @default `${index}-hybrid` */
  readonly searchPipeline?: string;
  /**
   * Weights of the BM25 and k-NN sub-queries in the normalization processor (min-max, arithmetic mean).
   * @default { lexical: 0.5, vector: 0.5 }
   */
  readonly weights?: { readonly lexical: number; readonly vector: number };
  /** Chunks each sub-query contributes before chunks collapse to articles. @default 50 */
  readonly candidates?: number;
  /** Chunks embedded and bulk-written per request. @default 32 */
  readonly batchSize?: number;
}

/** OpenSearch answers a hybrid query for which no normalization pipeline exists yet with a 4xx naming the pipeline. */
function isMissingPipeline(error: unknown): boolean {
  const { statusCode, message } = (error ?? {}) as { statusCode?: number; message?: string };
  return (statusCode === 400 || statusCode === 404) && /pipeline/i.test(message ?? '');
}

/** Before the first sync has created it, the index does not exist: OpenSearch answers 404 index_not_found. */
function isMissingIndex(error: unknown): boolean {
  const { statusCode, message } = (error ?? {}) as { statusCode?: number; message?: string };
  return statusCode === 404 && /index_not_found|no such index/i.test(message ?? '');
}

/** OpenSearch rejected part of a bulk write. */
export class IndexWriteError extends Error {
  override readonly name = 'IndexWriteError';
}

const LEXICAL_FIELDS = ['title^3', 'keywords^2', 'section^1.5', 'text'];

const Hit = z.object({
  _id: z.string(),
  _score: z.number().nullable().optional(),
  _source: z
    .object({
      articleId: z.string(),
      title: z.string(),
      section: z.string().nullish(),
      text: z.string().default(''),
      updatedAt: z.string().nullish(),
      url: z.string().nullish(),
      chunkId: z.string().optional(),
    })
    .optional(),
});
const SearchBody = z.object({ hits: z.object({ hits: z.array(Hit) }) });
const AggregationBody = z.object({
  aggregations: z.object({
    articles: z.object({
      buckets: z.array(
        z.object({
          key: z.string(),
          version: z.object({ buckets: z.array(z.object({ key: z.string() })) }),
        }),
      ),
    }),
  }),
});
const BulkBody = z.object({
  errors: z.boolean(),
  items: z.array(z.record(z.string(), z.object({ status: z.number(), error: z.unknown().optional() }))).default([]),
});

/**
 * Knowledge index on an OpenSearch Serverless vector collection (or any OpenSearch 2.11+ domain).
 *
 * One document per chunk: BM25 fields (title, keywords, section path, text), a `knn_vector` from the embedder (HNSW,
 * faiss, inner product on unit vectors), and keyword fields for article id, source and version. A search is one
 * `hybrid` query (a boosted `multi_match` and a `knn` sub-query) through a search pipeline whose normalization
 * processor min-max-normalizes and averages the two scores; chunks then collapse to articles, best chunk first.
 *
 * Serverless vector collections take no custom document ids, so an article is replaced by deleting its chunks
 * (found by `articleId`) and writing the new ones.
 */
export class OpenSearchKnowledgeIndex implements KnowledgeIndex, KnowledgeIndexWriter, KnowledgeChunkReader {
  private readonly pipeline: string;
  private readonly weights: { lexical: number; vector: number };
  private readonly candidates: number;
  private readonly batchSize: number;

  constructor(private readonly options: OpenSearchKnowledgeIndexOptions) {
    this.pipeline = options.searchPipeline ?? `${options.index}-hybrid`;
    this.weights = { ...{ lexical: 0.5, vector: 0.5 }, ...options.weights };
    this.candidates = Math.max(5, options.candidates ?? 50);
    this.batchSize = Math.max(1, options.batchSize ?? 32);
  }

  /** The index settings and mapping this adapter writes and reads. */
  indexDefinition(): Record<string, unknown> {
    return {
      settings: { index: { knn: true } },
      mappings: {
        properties: {
          articleId: { type: 'keyword' },
          source: { type: 'keyword' },
          version: { type: 'keyword' },
          chunkId: { type: 'keyword' },
          url: { type: 'keyword', index: false },
          title: { type: 'text', analyzer: 'english' },
          keywords: { type: 'text', analyzer: 'english' },
          section: { type: 'text', analyzer: 'english' },
          text: { type: 'text', analyzer: 'english' },
          updatedAt: { type: 'date' },
          embedding: {
            type: 'knn_vector',
            dimension: this.options.embedder.dimensions,
            method: { name: 'hnsw', engine: 'faiss', space_type: 'innerproduct' },
          },
        },
      },
    };
  }

  /** The hybrid search pipeline: min-max normalization, weighted arithmetic mean (lexical first, vector second). */
  pipelineDefinition(): Record<string, unknown> {
    return {
      description: 'Lumos knowledge: BM25 + k-NN hybrid scoring',
      phase_results_processors: [
        {
          'normalization-processor': {
            normalization: { technique: 'min_max' },
            combination: {
              technique: 'arithmetic_mean',
              parameters: { weights: [this.weights.lexical, this.weights.vector] },
            },
          },
        },
      ],
    };
  }

  async ensureIndex(): Promise<void> {
    const { client, index } = this.options;
    const exists = await client.indices.exists({ index });
    if (exists.body !== true) await client.indices.create({ index, body: this.indexDefinition() });
    // Put is idempotent; re-putting keeps the weights in step with the deployed configuration.
    await client.searchPipeline.put({ id: this.pipeline, body: this.pipelineDefinition() });
  }

  async search(query: string, k: number): Promise<KnowledgeHit[]> {
    const text = query.trim();
    if (!text) return [];
    const [vector] = await this.options.embedder.embed([text.slice(0, 2000)]);
    const lexical = { multi_match: { query: text, fields: LEXICAL_FIELDS, type: 'best_fields' } };
    let response: { body: unknown };
    try {
      response = await this.options.client.search({
        index: this.options.index,
        search_pipeline: this.pipeline,
        body: {
          size: this.candidates,
          _source: { excludes: ['embedding'] },
          query: { hybrid: { queries: [lexical, { knn: { embedding: { vector, k: this.candidates } } }] } },
        },
      });
    } catch (error) {
      // Nothing synced yet: no article is known, which the knowledge agent reports as such (no citations).
      if (isMissingIndex(error)) return [];
      // Before the first sync has put the search pipeline, a hybrid query cannot be scored; BM25 alone still finds
      // the right runbook most of the time, which beats no knowledge at all.
      if (!isMissingPipeline(error)) throw error;
      const raw = await this.options.client.search({
        index: this.options.index,
        body: { size: this.candidates, _source: { excludes: ['embedding'] }, query: lexical },
      });
      const parsed = SearchBody.parse(raw.body);
      const top = Math.max(...parsed.hits.hits.map((hit) => hit._score ?? 0), 1e-9);
      // Raw BM25 scores are unbounded; scaled to the best hit they stay within the 0..1 the port promises.
      for (const hit of parsed.hits.hits) hit._score = (hit._score ?? 0) / top;
      response = { body: parsed };
    }
    const hits = SearchBody.parse(response.body).hits.hits;
    const queryTerms = distinctTerms(text);
    const byArticle = new Map<string, KnowledgeHit>();
    for (const hit of hits) {
      const source = hit._source;
      if (!source || byArticle.has(source.articleId)) continue;
      byArticle.set(source.articleId, {
        articleId: source.articleId,
        title: source.title,
        score: Math.max(0, Math.min(1, hit._score ?? 0)),
        snippet: buildSnippet(source.text, queryTerms),
        ...(source.section ? { section: source.section } : {}),
        ...(source.updatedAt ? { updatedAt: source.updatedAt } : {}),
      });
      if (byArticle.size >= k) break;
    }
    return [...byArticle.values()].sort((a, b) => b.score - a.score);
  }

  async chunksOf(articleId: string): Promise<KnowledgeChunk[]> {
    const response = await this.options.client.search({
      index: this.options.index,
      body: { size: 200, _source: { excludes: ['embedding'] }, query: { term: { articleId } } },
    });
    const ordinal = (chunkId: string | undefined) => Number(/#(\d+)$/.exec(chunkId ?? '')?.[1] ?? 0);
    return SearchBody.parse(response.body)
      .hits.hits.flatMap((hit) => (hit._source ? [{ ...hit._source, id: hit._id }] : []))
      .map((source) => ({
        chunkId: source.chunkId ?? source.id,
        articleId: source.articleId,
        title: source.title,
        text: source.text,
        ...(source.section ? { section: source.section } : {}),
        ...(source.updatedAt ? { updatedAt: source.updatedAt } : {}),
      }))
      .sort((a, b) => ordinal(a.chunkId) - ordinal(b.chunkId));
  }

  async listArticles(source: string): Promise<Map<string, string>> {
    const response = await this.options.client.search({
      index: this.options.index,
      body: {
        size: 0,
        query: { term: { source } },
        aggs: {
          articles: {
            terms: { field: 'articleId', size: 10_000 },
            aggs: { version: { terms: { field: 'version', size: 1 } } },
          },
        },
      },
    });
    const buckets = AggregationBody.parse(response.body).aggregations.articles.buckets;
    return new Map(buckets.map((bucket) => [bucket.key, bucket.version.buckets[0]?.key ?? '']));
  }

  async deleteArticles(articleIds: readonly string[]): Promise<void> {
    for (let i = 0; i < articleIds.length; i += 100) {
      const batch = articleIds.slice(i, i + 100);
      const response = await this.options.client.search({
        index: this.options.index,
        body: { size: 10_000, _source: false, query: { terms: { articleId: batch } } },
      });
      const ids = SearchBody.parse(response.body).hits.hits.map((hit) => hit._id);
      if (ids.length > 0) await this.bulk(ids.map((_id) => ({ delete: { _index: this.options.index, _id } })));
    }
  }

  async upsertArticles(chunks: readonly IndexedChunk[]): Promise<void> {
    await this.deleteArticles([...new Set(chunks.map((chunk) => chunk.articleId))]);
    for (let i = 0; i < chunks.length; i += this.batchSize) {
      const batch = chunks.slice(i, i + this.batchSize);
      const vectors = await this.options.embedder.embed(
        batch.map((chunk) => `${chunk.section ? `${chunk.title} - ${chunk.section}` : chunk.title}: ${chunk.text}`),
      );
      await this.bulk(
        batch.flatMap((chunk, j) => [
          { index: { _index: this.options.index } },
          {
            articleId: chunk.articleId,
            chunkId: chunk.chunkId,
            source: chunk.source,
            version: chunk.version,
            title: chunk.title,
            section: chunk.section,
            text: chunk.text,
            keywords: (chunk.keywords ?? []).join(' '),
            updatedAt: chunk.updatedAt,
            url: chunk.url,
            embedding: vectors[j],
          },
        ]),
      );
    }
  }

  private async bulk(body: unknown[]): Promise<void> {
    const response = BulkBody.parse((await this.options.client.bulk({ body })).body);
    if (!response.errors) return;
    const failed = response.items
      .map((item) => Object.values(item)[0])
      .filter((result) => result && result.status >= 300 && result.status !== 404);
    if (failed.length > 0) {
      throw new IndexWriteError(`${failed.length} bulk operations failed, first: ${JSON.stringify(failed[0]?.error)}`);
    }
  }
}
