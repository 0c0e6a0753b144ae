import type { KnowledgeChunk } from './knowledge-index';

/** An article as a knowledge source lists it: enough to tell whether it changed since the last sync. */
export interface ArticleVersion {
  /** Unique across sources (`runbooks/disk-full.md`, `servicenow:KB0010042`). */
  readonly articleId: string;
  /** Changes whenever the content may have changed (ETag, mtime + size, `sys_updated_on`). */
  readonly version: string;
}

/** A full article, ready to chunk. */
export interface SourceArticle extends ArticleVersion {
  /** Markdown (HTML sources are converted). Front matter, if any, is parsed by the sync. */
  readonly markdown: string;
  readonly title?: string;
  readonly updatedAt?: string;
  /** Link a responder can open. */
  readonly url?: string;
}

/** Where knowledge comes from: a markdown folder, an S3 prefix, ServiceNow `kb_knowledge`. */
export interface KnowledgeSource {
  /** Stable name; the index remembers which source owns which article so deletions stay within one source. */
  readonly name: string;
  /** Every article currently published, cheaply (ids and versions only). */
  list(): Promise<ArticleVersion[]>;
  fetch(articleIds: readonly string[]): Promise<SourceArticle[]>;
}

/** A chunk as written to a search index, with what the sync knows about its article. */
export interface IndexedChunk extends KnowledgeChunk {
  readonly source: string;
  readonly version: string;
  readonly url?: string;
  readonly keywords?: readonly string[];
}

/** The write side of a search index, as the knowledge sync uses it. */
export interface KnowledgeIndexWriter {
  /** Creates the index (mapping, search pipeline) if it does not exist yet. */
  ensureIndex(): Promise<void>;
  /** Article id -> version of everything indexed from `source`. */
  listArticles(source: string): Promise<Map<string, string>>;
  /** Replaces all chunks of each article with the given ones (embedding them). */
  upsertArticles(chunks: readonly IndexedChunk[]): Promise<void>;
  deleteArticles(articleIds: readonly string[]): Promise<void>;
}

/** Reads an indexed article's chunks back, in order (to ground a suggested resolution in whole sections). */
export interface KnowledgeChunkReader {
  chunksOf(articleId: string): Promise<KnowledgeChunk[]>;
}
