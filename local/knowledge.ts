import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildEmbeddedKnowledgeIndex } from '../lambdas/adapters/local/embedded-knowledge-index';
import { FolderKnowledgeDrafts } from '../lambdas/adapters/local/folder-knowledge-drafts';
import { MarkdownFolderSource } from '../lambdas/adapters/local/markdown-folder-source';
import { RebuildingKnowledgeIndex } from '../lambdas/adapters/local/rebuilding-knowledge-index';
import { createUseEmbedder } from '../lambdas/adapters/local/use-embedder';
import { syncKnowledge } from '../lambdas/agents/knowledge-sync/core';
import type { Embedder } from '../lambdas/ports/knowledge-index';
import type { KnowledgeSource } from '../lambdas/ports/knowledge-sync';

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
}

/**
 * Builds the embedded knowledge index from a markdown folder with the offline sentence encoder, then syncs the
 * approved articles kept under `home` into it.
 */
export async function startLocalKnowledge(
  kbDir: string,
  log: (message: string) => void,
  home?: string,
): Promise<LocalKnowledge> {
  const embedder = createUseEmbedder();
  const built = await buildEmbeddedKnowledgeIndex({ dir: kbDir, embedder });
  log(`knowledge index: ${built.stats.articles} articles, ${built.stats.chunks} chunks in ${built.stats.buildMs} ms`);
  const index = new RebuildingKnowledgeIndex(built.index, built.chunks, embedder);
  const drafts = new FolderKnowledgeDrafts(join(home ?? kbDir, 'knowledge'));
  if (home) await mkdir(drafts.approvedDir, { recursive: true });
  const sources: KnowledgeSource[] = home ? [new MarkdownFolderSource(drafts.approvedDir, 'approved')] : [];
  const knowledge: LocalKnowledge = {
    index,
    embedder,
    drafts,
    sources,
    sync: () => syncKnowledge(sources, index, { allowEmptySource: true }),
  };
  if (home) {
    const [report] = await knowledge.sync();
    if (report && report.added > 0) log(`knowledge sync: ${report.added} approved article(s)`);
  }
  return knowledge;
}
