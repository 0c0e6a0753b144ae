import { type ChunkingOptions, chunkArticle, parseMarkdownArticle } from '../../knowledge/markdown';
import type { IndexedChunk, KnowledgeIndexWriter, KnowledgeSource, SourceArticle } from '../../ports/knowledge-sync';

/** What one source's sync did. */
export interface SourceSyncReport {
  source: string;
  listed: number;
  added: number;
  updated: number;
  unchanged: number;
  deleted: number;
  chunks: number;
  failed: { articleId: string; error: string }[];
  /** Set when deletions were withheld because the source listed nothing (most likely an outage, not an empty KB). */
  deletionsWithheld?: number;
}

export interface SyncOptions {
  readonly chunking?: ChunkingOptions;
  /** Articles fetched and written per batch. @default 20 */
  readonly batchSize?: number;
  /** Let a source that lists nothing delete everything it had indexed. @default false */
  readonly allowEmptySource?: boolean;
}

/** Chunks one article by headings, tagging every chunk with its source, version and link. */
export function chunksOf(article: SourceArticle, source: string, chunking?: ChunkingOptions): IndexedChunk[] {
  const parsed = parseMarkdownArticle(article.articleId, article.markdown);
  const withMeta = {
    ...parsed,
    title: article.title ?? parsed.title,
    updatedAt: article.updatedAt ?? parsed.updatedAt,
  };
  return chunkArticle(withMeta, chunking).map((chunk) => ({
    ...chunk,
    source,
    version: article.version,
    ...(article.url ? { url: article.url } : {}),
  }));
}

/**
 * Incremental knowledge sync: for each source, compares what it lists (id + version) with what the index holds from
 * it, fetches and re-chunks only new and changed articles, and deletes articles the source no longer lists. One bad
 * article is reported and skipped, not fatal. A source that suddenly lists nothing deletes nothing unless allowed.
 */
export async function syncKnowledge(
  sources: readonly KnowledgeSource[],
  writer: KnowledgeIndexWriter,
  options: SyncOptions = {},
): Promise<SourceSyncReport[]> {
  await writer.ensureIndex();
  const batchSize = Math.max(1, options.batchSize ?? 20);
  const reports: SourceSyncReport[] = [];
  for (const source of sources) {
    const listed = await source.list();
    const indexed = await writer.listArticles(source.name);
    const listedIds = new Set(listed.map((a) => a.articleId));
    const changed = listed.filter((a) => indexed.get(a.articleId) !== a.version);
    const removed = [...indexed.keys()].filter((id) => !listedIds.has(id));
    const report: SourceSyncReport = {
      source: source.name,
      listed: listed.length,
      added: 0,
      updated: 0,
      unchanged: listed.length - changed.length,
      deleted: 0,
      chunks: 0,
      failed: [],
    };
    for (let i = 0; i < changed.length; i += batchSize) {
      const batch = changed.slice(i, i + batchSize);
      let articles: SourceArticle[];
      try {
        articles = await source.fetch(batch.map((a) => a.articleId));
      } catch (error) {
        for (const a of batch) report.failed.push({ articleId: a.articleId, error: (error as Error).message });
        continue;
      }
      const chunks: IndexedChunk[] = [];
      const empty: string[] = [];
      for (const article of articles) {
        try {
          const own = chunksOf(article, source.name, options.chunking);
          if (own.length === 0) empty.push(article.articleId);
          chunks.push(...own);
          if (indexed.has(article.articleId)) report.updated++;
          else report.added++;
        } catch (error) {
          report.failed.push({ articleId: article.articleId, error: (error as Error).message });
        }
      }
      if (chunks.length > 0) await writer.upsertArticles(chunks);
      // An article edited down to nothing must not keep its old chunks.
      if (empty.length > 0) await writer.deleteArticles(empty);
      report.chunks += chunks.length;
    }
    if (listed.length === 0 && removed.length > 0 && !options.allowEmptySource) {
      report.deletionsWithheld = removed.length;
    } else if (removed.length > 0) {
      await writer.deleteArticles(removed);
      report.deleted = removed.length;
    }
    reports.push(report);
  }
  return reports;
}
