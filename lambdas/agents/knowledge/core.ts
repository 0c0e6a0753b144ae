import type { KnowledgeArticleRef, KnowledgeResult } from '../../core/incident';
import { buildIncidentQuery, type QueryableIncident } from '../../knowledge/incident-query';
import type { KnowledgeIndex } from '../../ports/knowledge-index';

/** How many articles to retrieve and which to keep. */
export interface RetrieveKnowledgeOptions {
  /**
   * Articles to return at most.
   * @default 5
   */
  readonly k?: number;
  /**
   * Hits scoring below this are dropped: a weak match wastes a responder's time more than no match.
   * @default 0.05
   */
  readonly minScore?: number;
}

/**
 * Finds the knowledge articles for an incident: builds a query from its title, description, service and triage
 * category (alert text and ticket text are cleaned differently, see {@link buildIncidentQuery}), searches the
 * index and returns the ranked articles with scores (0..1), snippets and update times. An incident with no usable
 * text yields an empty result rather than an error.
 */
export async function retrieveKnowledge(
  incident: QueryableIncident,
  index: KnowledgeIndex,
  options: RetrieveKnowledgeOptions = {},
): Promise<KnowledgeResult> {
  const k = Math.max(1, Math.floor(options.k ?? 5));
  const minScore = options.minScore ?? 0.05;
  const query = buildIncidentQuery(incident);
  if (query.trim() === '') return { query, articles: [] };
  const hits = await index.search(query, k);
  const articles: KnowledgeArticleRef[] = hits
    .filter((hit) => hit.score >= minScore)
    .slice(0, k)
    .map((hit) => ({
      articleId: hit.articleId,
      title: hit.title,
      score: hit.score,
      snippet: hit.snippet,
      ...(hit.updatedAt ? { updatedAt: hit.updatedAt } : {}),
    }));
  return { query, articles };
}

/** One line for the incident timeline, e.g. `3 articles; best: Disk full on a Linux host (0.82)`. */
export function summarizeKnowledge(result: KnowledgeResult): string {
  const [top] = result.articles;
  if (!top) return 'No matching knowledge articles';
  const count = result.articles.length === 1 ? '1 article' : `${result.articles.length} articles`;
  return `${count}; best: ${top.title} (${top.score.toFixed(2)})`;
}
