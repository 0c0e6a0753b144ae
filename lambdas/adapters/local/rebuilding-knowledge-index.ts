import type { Embedder, KnowledgeChunk, KnowledgeHit, KnowledgeIndex } from '../../ports/knowledge-index';
import type { IndexedChunk, KnowledgeChunkReader, KnowledgeIndexWriter } from '../../ports/knowledge-sync';
import { type EmbeddedIndexOptions, EmbeddedKnowledgeIndex } from './embedded-knowledge-index';

/**
 * The local runtime's knowledge index with a write side: searches go to an embedded index built at start (the
 * knowledge folder); the knowledge sync's upserts and deletes (approved drafts) rebuild the synced part and swap the
 * new index in, so the same sync core runs locally and in AWS. Searches during a rebuild use the previous index.
 */
export class RebuildingKnowledgeIndex implements KnowledgeIndex, KnowledgeChunkReader, KnowledgeIndexWriter {
  private current: EmbeddedKnowledgeIndex;
  private readonly synced = new Map<string, IndexedChunk[]>();
  private readonly versions = new Map<string, Map<string, string>>();
  private rebuilding: Promise<void> = Promise.resolve();

  constructor(
    initial: EmbeddedKnowledgeIndex,
    private readonly baseChunks: readonly KnowledgeChunk[],
    private readonly embedder: Embedder,
    private readonly options: EmbeddedIndexOptions = {},
  ) {
    this.current = initial;
  }

  search(query: string, k: number): Promise<KnowledgeHit[]> {
    return this.current.search(query, k);
  }

  chunksOf(articleId: string): Promise<KnowledgeChunk[]> {
    return this.current.chunksOf(articleId);
  }

  async ensureIndex(): Promise<void> {}

  async listArticles(source: string): Promise<Map<string, string>> {
    return new Map(this.versions.get(source) ?? []);
  }

  async upsertArticles(chunks: readonly IndexedChunk[]): Promise<void> {
    const byArticle = new Map<string, IndexedChunk[]>();
    for (const chunk of chunks) byArticle.set(chunk.articleId, [...(byArticle.get(chunk.articleId) ?? []), chunk]);
    for (const [articleId, articleChunks] of byArticle) {
      this.synced.set(articleId, articleChunks);
      const first = articleChunks[0]!;
      const versions = this.versions.get(first.source) ?? new Map<string, string>();
      versions.set(articleId, first.version);
      this.versions.set(first.source, versions);
    }
    await this.rebuild();
  }

  async deleteArticles(articleIds: readonly string[]): Promise<void> {
    for (const id of articleIds) {
      this.synced.delete(id);
      for (const versions of this.versions.values()) versions.delete(id);
    }
    await this.rebuild();
  }

  private rebuild(): Promise<void> {
    this.rebuilding = this.rebuilding.then(async () => {
      const syncedIds = new Set(this.synced.keys());
      const chunks = [
        ...this.baseChunks.filter((c) => !syncedIds.has(c.articleId)),
        ...[...this.synced.values()].flat(),
      ];
      this.current = await EmbeddedKnowledgeIndex.create(chunks, this.embedder, this.options);
    });
    return this.rebuilding;
  }
}
