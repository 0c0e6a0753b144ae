import { buildEmbeddedKnowledgeIndex } from '../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../lambdas/adapters/local/use-embedder';
import type { Embedder, KnowledgeIndex } from '../lambdas/ports/knowledge-index';

/** Builds the embedded knowledge index from a markdown folder with the offline sentence encoder. */
export async function startLocalKnowledge(
  kbDir: string,
  log: (message: string) => void,
): Promise<{ index: KnowledgeIndex; embedder: Embedder }> {
  const embedder = createUseEmbedder();
  const built = await buildEmbeddedKnowledgeIndex({ dir: kbDir, embedder });
  log(`knowledge index: ${built.stats.articles} articles, ${built.stats.chunks} chunks in ${built.stats.buildMs} ms`);
  return { index: built.index, embedder };
}
