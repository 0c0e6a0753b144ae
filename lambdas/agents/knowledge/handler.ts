import type { KnowledgeIndex } from '../../ports/knowledge-index';
import type { KnowledgeChunkReader } from '../../ports/knowledge-sync';
import { agentStep } from '../../runtime/agent-step';
import { knowledgeIndex } from '../../runtime/ports/knowledge-index';
import { languageModel } from '../../runtime/ports/language-model';
import { logger } from '../../shared/observability';
import { retrieveKnowledge, summarizeKnowledge } from './core';
import { type SuggestedResolution, selectExcerpts, suggestResolution } from './suggested-resolution';

/** Indexes that can return an article's chunks let the resolution quote whole sections, not only snippets. */
const chunkReader = (index: KnowledgeIndex): KnowledgeChunkReader | undefined =>
  typeof (index as Partial<KnowledgeChunkReader>).chunksOf === 'function'
    ? (index as unknown as KnowledgeChunkReader)
    : undefined;

/** A resolution as one readable text for the incident's `knowledge.suggestedResolution`. */
const asText = (resolution: SuggestedResolution) =>
  [
    resolution.summary,
    ...resolution.steps.map((step, i) => `${i + 1}. ${step.text} [${step.articleIds.join(', ')}]`),
  ].join('\n');

/**
 * Workflow step `Knowledge`: finds the articles and runbooks a responder needs (ranked, with citations: article id,
 * update time, snippet) and a suggested resolution grounded only in the cited articles' text. Without a usable model
 * the incident still gets the citations.
 */
export const handler = agentStep<{ articleCount: number }>({
  step: 'Knowledge',
  work: async (incident, decision) => {
    const index = knowledgeIndex();
    const knowledge = await retrieveKnowledge(incident, index, { k: 5 });
    let resolution: SuggestedResolution | undefined;
    let resolutionSkipped: string | undefined;
    if (knowledge.articles.length > 0) {
      try {
        resolution = await suggestResolution(
          incident,
          await selectExcerpts(knowledge.articles, chunkReader(index)),
          decision.model(languageModel()),
        );
        if (!resolution) resolutionSkipped = 'the cited articles do not cover this incident';
      } catch (error) {
        resolutionSkipped = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    logger.info('knowledge retrieved', { articles: knowledge.articles.length, resolution: Boolean(resolution) });
    return {
      set: { knowledge: { ...knowledge, ...(resolution ? { suggestedResolution: asText(resolution) } : {}) } },
      result: {
        query: knowledge.query,
        citations: knowledge.articles,
        ...(resolution ? { suggestedResolution: resolution } : {}),
        ...(resolutionSkipped ? { resolutionSkipped } : {}),
      },
      summary: summarizeKnowledge(knowledge) + (resolution ? `; resolution in ${resolution.steps.length} steps` : ''),
      data: { articleIds: knowledge.articles.map((a) => a.articleId) },
      output: { articleCount: knowledge.articles.length },
      method: 'hybrid-retrieval',
      retrieved: knowledge.articles.map((a) => ({ articleId: a.articleId, version: a.updatedAt ?? 'unversioned' })),
    };
  },
});
