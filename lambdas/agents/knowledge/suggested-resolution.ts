import { z } from 'zod';
import type { Incident, KnowledgeArticleRef } from '../../core/incident';
import type { KnowledgeChunk } from '../../ports/knowledge-index';
import type { KnowledgeChunkReader } from '../../ports/knowledge-sync';
import type { LanguageModel, StructuredRequest } from '../../ports/llm';

/** A passage of a cited article that a resolution may rely on. */
export interface Excerpt {
  /** `excerpt.<n>`: what the model cites. */
  label: string;
  articleId: string;
  title: string;
  section?: string;
  text: string;
}

/** The model's answer: steps, each citing the excerpts it comes from. */
export const ResolutionAnswer = z.object({
  covered: z.boolean().describe('false when the excerpts do not address this incident'),
  summary: z.string().max(600),
  steps: z.array(z.object({ text: z.string().min(1).max(400), citations: z.array(z.string()).min(1).max(3) })).max(8),
});
export type ResolutionAnswer = z.infer<typeof ResolutionAnswer>;

/** A suggested resolution as stored on the incident: every step traceable to an article. */
export interface SuggestedResolution {
  summary: string;
  steps: { text: string; articleIds: string[] }[];
  /** Model id, or `local:suggest_resolution` for the extractive stand-in. */
  by: string;
}

const USEFUL_SECTION =
  /resolution|resolve|mitigat|fix|remediat|steps|procedure|how to|workaround|diagnos|troubleshoot|check/i;
const EXCERPT_CHARS = 1500;

/**
 * Picks the passages a resolution may use: for each of the top articles, its sections about mitigation or diagnosis
 * (by heading) when the index can return chunks, else the retrieval snippet. Labels are assigned here, so a citation
 * can only point at text Lumos chose.
 */
export async function selectExcerpts(
  articles: readonly KnowledgeArticleRef[],
  reader?: KnowledgeChunkReader,
  maxArticles = 3,
): Promise<Excerpt[]> {
  const excerpts: Excerpt[] = [];
  for (const article of articles.slice(0, maxArticles)) {
    let chunks: KnowledgeChunk[] = [];
    if (reader) chunks = await reader.chunksOf(article.articleId).catch(() => []);
    const useful = chunks.filter((c) => USEFUL_SECTION.test(c.section ?? '')).slice(0, 3);
    const chosen = useful.length > 0 ? useful : chunks.slice(0, 2);
    if (chosen.length === 0 && article.snippet) {
      excerpts.push({
        label: `excerpt.${excerpts.length + 1}`,
        articleId: article.articleId,
        title: article.title,
        text: article.snippet,
      });
      continue;
    }
    for (const chunk of chosen) {
      excerpts.push({
        label: `excerpt.${excerpts.length + 1}`,
        articleId: article.articleId,
        title: article.title,
        ...(chunk.section ? { section: chunk.section } : {}),
        text: chunk.text.slice(0, EXCERPT_CHARS),
      });
    }
  }
  return excerpts;
}

/**
 * Asks the model for a resolution grounded only in `excerpts`. Steps citing anything but an excerpt label are
 * dropped; an answer that is not covered, or has no step left, yields no resolution rather than an invented one.
 */
export async function suggestResolution(
  incident: Incident,
  excerpts: readonly Excerpt[],
  llm: LanguageModel,
): Promise<SuggestedResolution | undefined> {
  if (excerpts.length === 0) return undefined;
  const answer = await llm.generate({
    agent: 'knowledge',
    incidentId: incident.incidentId,
    task: 'suggest_resolution',
    taskDescription: 'Records a suggested resolution whose every step cites the knowledge excerpts it comes from.',
    instructions:
      'Suggest how to resolve the incident using only the knowledge excerpts (labels excerpt.N). Every step must cite ' +
      'the excerpt labels it comes from. If the excerpts do not address this incident, set covered to false and give no steps.',
    facts: {
      excerpts: excerpts.map(({ label, articleId, title, section }) => ({ label, articleId, title, section })),
    },
    untrusted: [
      { label: 'incident.title', text: incident.title },
      { label: 'incident.description', text: incident.description.slice(0, 2000) },
      ...excerpts.map((e) => ({ label: e.label, text: `${e.title}${e.section ? ` > ${e.section}` : ''}\n${e.text}` })),
    ],
    schema: ResolutionAnswer,
  });
  const byLabel = new Map(excerpts.map((e) => [e.label, e]));
  const steps = answer.output.steps
    .map((step) => ({
      text: step.text,
      articleIds: [...new Set(step.citations.filter((c) => byLabel.has(c)).map((c) => byLabel.get(c)!.articleId))],
    }))
    .filter((step) => step.articleIds.length > 0);
  if (!answer.output.covered || steps.length === 0) return undefined;
  return { summary: answer.output.summary, steps, by: answer.modelId };
}

/** Lines that tell a responder to do something: list items, commands, and sentences opening with an action verb. */
const ACTION =
  /^(?:check|verify|confirm|restart|reboot|roll ?back|revert|scale|increase|decrease|raise|lower|clear|delete|remove|free|rotate|renew|replace|run|re-?run|drain|cordon|failover|fail over|flush|kill|stop|start|disable|enable|update|upgrade|apply|inspect|look|review|compare|identify|find|list|open|contact|escalate|page|notify|reset|unlock|re-?issue|extend|add|set|tune|move|migrate|reduce|limit|throttle|block|isolate)\b/i;

/**
 * The local stand-in for `suggest_resolution`: an extractive answer. From the excerpts in the request, in order, it
 * takes the lines that read as actions (list items or commands starting with an action verb) and cites the excerpt
 * each came from. No text is generated, so nothing can be invented.
 */
export function extractiveResolution(request: StructuredRequest<unknown>): ResolutionAnswer {
  const steps: ResolutionAnswer['steps'] = [];
  const seen = new Set<string>();
  for (const part of request.untrusted) {
    if (!part.label.startsWith('excerpt.')) continue;
    const [, ...body] = part.text.split('\n');
    for (const raw of body) {
      const line = raw
        .replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '')
        .replace(/`/g, '')
        .trim();
      if (line.length < 12 || line.length > 300 || !ACTION.test(line)) continue;
      const key = line.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      steps.push({ text: line, citations: [part.label] });
      if (steps.length >= 6) break;
    }
    if (steps.length >= 6) break;
  }
  const first = request.untrusted.find((p) => p.label.startsWith('excerpt.'));
  const title = first?.text.split('\n', 1)[0] ?? 'the knowledge base';
  return {
    covered: steps.length > 0,
    summary: steps.length > 0 ? `Steps taken from ${title}.` : 'The knowledge excerpts hold no actionable steps.',
    steps,
  };
}
