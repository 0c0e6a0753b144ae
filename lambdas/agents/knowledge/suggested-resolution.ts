import * as z from 'zod';
import type { Incident, KnowledgeArticleRef } from '../../core/incident';
import { agentName } from '../../function-catalogue';
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

/** Sections worth quoting, most useful first: what to do, then how to do it, then how to find out. */
const SECTION_PRIORITY: readonly RegExp[] = [
  /resolution|resolve|mitigat|fix|remediat|workaround|recover/i,
  /steps|procedure|how to|runbook|action/i,
  /diagnos|troubleshoot|investigat|check/i,
];
const sectionRank = (section: string | undefined) => {
  const rank = SECTION_PRIORITY.findIndex((pattern) => pattern.test(section ?? ''));
  return rank < 0 ? SECTION_PRIORITY.length : rank;
};
const EXCERPT_CHARS = 1500;
/**
 * An article below this share of the best article's score is not used for a resolution: a weak match (a database
 * runbook for a VPN ticket) would put unrelated steps into it. It still appears among the cited sources.
 */
export const RESOLUTION_RELATIVE_SCORE = 0.5;

/**
 * Picks the passages a resolution may use: for each of the top articles, its sections about mitigation or diagnosis
 * (by heading) when the index can return chunks, else the retrieval snippet; articles far weaker than the best one
 * are left out. Labels are assigned here, so a citation can only point at text Lumos chose.
 */
export async function selectExcerpts(
  articles: readonly KnowledgeArticleRef[],
  reader?: KnowledgeChunkReader,
  maxArticles = 3,
): Promise<Excerpt[]> {
  const excerpts: Excerpt[] = [];
  const floor = (articles[0]?.score ?? 0) * RESOLUTION_RELATIVE_SCORE;
  const relevant = articles.slice(0, maxArticles).filter((article, i) => i === 0 || article.score >= floor);
  for (const article of relevant) {
    let chunks: KnowledgeChunk[] = [];
    if (reader) chunks = await reader.chunksOf(article.articleId).catch(() => []);
    const useful = chunks
      .map((chunk, position) => ({ chunk, position, rank: sectionRank(chunk.section) }))
      .filter((entry) => entry.rank < SECTION_PRIORITY.length)
      .sort((a, b) => a.rank - b.rank || a.position - b.position)
      .slice(0, 3)
      .map((entry) => entry.chunk);
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
    agent: agentName('Knowledge'),
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

/** Sentences and list items that tell a responder to do something start with one of these verbs. */
const ACTION =
  /^(?:check|verify|confirm|restart|reboot|roll ?back|revert|scale|increase|decrease|raise|lower|clear|delete|remove|free|rotate|renew|replace|run|re-?run|drain|cordon|fail ?over|flush|kill|stop|start|disable|enable|turn off|turn on|update|upgrade|apply|inspect|look|review|compare|identify|find|list|open|contact|escalate|page|notify|reset|unlock|re-?issue|extend|add|set|tune|move|migrate|reduce|limit|throttle|block|isolate|point|split|group|read|ask|tell|pause|resume)\b/i;
/** A shell command line, as markdown code blocks keep them. */
const COMMAND =
  /^(?:\$\s*)?(?:kubectl|aws|sudo|systemctl|docker|journalctl|df|du|find|ps|kill|psql|mysql|redis-cli|curl|openssl|ssh|helm|terraform|ip|dig|nslookup|ss|netstat|tail|grep|lsof|vmstat|iostat|free|service|az|gcloud|etcdctl|promtool|amtool)\b/;
const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;

/**
 * Cuts an excerpt into units a responder can act on: list items (with their wrapped continuation lines), sentences
 * of paragraphs, and shell commands, which attach to the instruction that introduces them ("Roll back ...:").
 */
function actionUnits(text: string): string[] {
  const units: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length === 0) return;
    units.push(...paragraph.join(' ').split(/(?<=[.!?])\s+(?=[A-Z`])/));
    paragraph = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) {
      flush();
      continue;
    }
    if (COMMAND.test(line)) {
      flush();
      const last = units.length - 1;
      const command = line.replace(/^\$\s*/, '').replace(/\s+#.*$/, '');
      if (last >= 0 && /(:|`)$/.test(units[last]!)) units[last] = `${units[last]} \`${command}\``;
      continue;
    }
    if (LIST_ITEM.test(raw)) {
      flush();
      paragraph.push(line.replace(LIST_ITEM, ''));
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return units.map((unit) => unit.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** Whether a unit reads as an instruction: it opens with an action verb, or does after a leading condition. */
function isAction(unit: string): boolean {
  const plain = unit.replace(/[`*_]/g, '');
  if (ACTION.test(plain)) return true;
  const afterCondition = /^(?:on|in|with|for|if|when|once|after|before|while)\b[^,]{0,80},\s*(.+)$/i.exec(plain);
  return Boolean(afterCondition && ACTION.test(afterCondition[1]!));
}

/**
 * The local stand-in for `suggest_resolution`: an extractive answer. From the excerpts in the request, in order, it
 * takes the units that read as instructions (list items and sentences opening with an action verb, with the commands
 * they introduce) and cites the excerpt each came from. No text is generated, so nothing can be invented.
 */
export function extractiveResolution(request: StructuredRequest<unknown>): ResolutionAnswer {
  const steps: ResolutionAnswer['steps'] = [];
  const seen = new Set<string>();
  for (const part of request.untrusted) {
    if (!part.label.startsWith('excerpt.')) continue;
    const body = part.text.split('\n').slice(1).join('\n');
    for (const unit of actionUnits(body)) {
      // An instruction that only introduces something that did not follow (a list, a command) says nothing alone.
      if (unit.length < 12 || unit.endsWith(':') || !isAction(unit)) continue;
      const text = unit.length > 400 ? `${unit.slice(0, 397)}...` : unit;
      const key = text.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      steps.push({ text, citations: [part.label] });
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
