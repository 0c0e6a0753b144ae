import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEmbeddedKnowledgeIndex } from '../lambdas/adapters/local/embedded-knowledge-index';
import { FolderKnowledgeDrafts } from '../lambdas/adapters/local/folder-knowledge-drafts';
import { MarkdownFolderSource } from '../lambdas/adapters/local/markdown-folder-source';
import { RebuildingKnowledgeIndex } from '../lambdas/adapters/local/rebuilding-knowledge-index';
import { createUseEmbedder, USE_MODEL_ID } from '../lambdas/adapters/local/use-embedder';
import { syncKnowledge } from '../lambdas/agents/knowledge-sync/core';
import type { Embedder } from '../lambdas/ports/knowledge-index';
import type { KnowledgeSource } from '../lambdas/ports/knowledge-sync';
import { EmbeddingCache } from './embedding-cache';

/** The local knowledge: the index (searchable, and the knowledge sync's write side), drafts, and the sync's sources. */
export interface LocalKnowledge {
  readonly index: RebuildingKnowledgeIndex;
  readonly embedder: Embedder;
  /** Drafts under `<home>/knowledge/drafts`, approved articles under `<home>/knowledge/approved`. */
  readonly drafts: FolderKnowledgeDrafts;
  /** What the local knowledge sync reads: the approved articles (the knowledge folder is indexed at start). */
  readonly sources: KnowledgeSource[];
  /** One knowledge sync run (what the scheduled KnowledgeSync function does in AWS). */
  sync(): Promise<Awaited<ReturnType<typeof syncKnowledge>>>;
  /** Loads the sentence encoder now: with cached chunk vectors the build did not need it, the first query will. */
  warmUp(): Promise<void>;
}

/**
 * Builds the embedded knowledge index from a markdown folder with the offline sentence encoder, then syncs the
 * approved articles kept under `home` into it. With a `home`, the chunk vectors are kept in `home/knowledge/`
 * (keyed by model id and text), so a restart embeds only chunks that changed: the build then takes a fraction of a
 * second instead of running the model over the whole knowledge base.
 */
export async function startLocalKnowledge(
  kbDir: string,
  log: (message: string) => void,
  home?: string,
): Promise<LocalKnowledge> {
  const model = createUseEmbedder();
  const cache = home
    ? await EmbeddingCache.open({
        file: join(home, 'knowledge', `embeddings-${USE_MODEL_ID}.bin`),
        modelId: USE_MODEL_ID,
        embedder: model,
      })
    : undefined;
  const embedder: Embedder = cache ?? model;
  const built = await buildEmbeddedKnowledgeIndex({ dir: kbDir, embedder });
  const reused = await cache?.save((error) => log(`knowledge index: embeddings not cached: ${String(error)}`));
  log(
    `knowledge index: ${built.stats.articles} articles, ${built.stats.chunks} chunks in ${built.stats.buildMs} ms` +
      (reused ? ` (${reused.loaded} embeddings reused, ${reused.computed} computed)` : ''),
  );
  const index = new RebuildingKnowledgeIndex(built.index, built.chunks, embedder);
  const drafts = new FolderKnowledgeDrafts(join(home ?? kbDir, 'knowledge'));
  if (home) await mkdir(drafts.approvedDir, { recursive: true });
  const sources: KnowledgeSource[] = home ? [new MarkdownFolderSource(drafts.approvedDir, 'approved')] : [];
  const knowledge: LocalKnowledge = {
    index,
    embedder: model,
    drafts,
    sources,
    sync: () => syncKnowledge(sources, index, { allowEmptySource: true }),
    warmUp: () => model.warmUp(),
  };
  if (home) {
    const [report] = await knowledge.sync();
    if (report && report.added > 0) log(`knowledge sync: ${report.added} approved article(s)`);
  }
  return knowledge;
}
