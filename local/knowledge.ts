import { join } from 'node:path';
import { buildEmbeddedKnowledgeIndex } from '../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder, USE_MODEL_ID } from '../lambdas/adapters/local/use-embedder';
import type { Embedder, KnowledgeIndex } from '../lambdas/ports/knowledge-index';
import { EmbeddingCache } from './embedding-cache';

/**
 * Builds the embedded knowledge index from a markdown folder with the offline sentence encoder. The chunk vectors
 * are kept in `home/knowledge/` (keyed by model id and text), so a restart embeds only chunks that changed: the
 * build then takes a fraction of a second instead of running the model over the whole knowledge base.
 */
export async function startLocalKnowledge(
  kbDir: string,
  home: string,
  log: (message: string) => void,
): Promise<{ index: KnowledgeIndex; embedder: Embedder & { warmUp(): Promise<void> } }> {
  const embedder = createUseEmbedder();
  const cache = await EmbeddingCache.open({
    file: join(home, 'knowledge', `embeddings-${USE_MODEL_ID}.bin`),
    modelId: USE_MODEL_ID,
    embedder,
  });
  const built = await buildEmbeddedKnowledgeIndex({ dir: kbDir, embedder: cache });
  const reused = await cache.save((error) => log(`knowledge index: embeddings not cached: ${String(error)}`));
  log(
    `knowledge index: ${built.stats.articles} articles, ${built.stats.chunks} chunks in ${built.stats.buildMs} ms ` +
      `(${reused.loaded} embeddings reused, ${reused.computed} computed)`,
  );
  return { index: built.index, embedder };
}
