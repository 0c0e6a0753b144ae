export type { ScoredComment, SentimentResult, TicketComment } from '../agent-results';

import * as z from 'zod';
import type { Incident } from '../../core/incident';
import { agentName } from '../../function-catalogue';
import type { LanguageModel } from '../../ports/llm';
import type { ScoredComment, SentimentResult, TicketComment } from '../agent-results';
import { type CommentScore, polarityOf, scoreComment, trendSlope } from './scorer';

/** When sentiment raises the escalation flag. */
export interface SentimentOptions {
  /** The latest comment at or below this score raises the flag. @default -0.5 */
  readonly escalationThreshold?: number;
  /** A fall of this much from the best earlier comment to the latest (ending negative) raises it too. @default 0.6 */
  readonly dropThreshold?: number;
}

export interface SentimentDeps {
  readonly llm?: LanguageModel;
}

/** The model's scores: one per comment id, nothing else. */
export const ModelSentiment = z.object({
  scores: z
    .array(z.object({ id: z.string(), score: z.number().min(-1).max(1), cue: z.string().max(120) }))
    .min(1)
    .max(50),
});

const MAX_COMMENTS = 20;

/**
 * The comments of a ticket, oldest first: the description the reporter opened it with, then every update that
 * carried a comment or work note (intake records it as `data.note`, other sources as `data.comment` / `data.text`
 * on `ticket.comment` entries). Only the last {@link MAX_COMMENTS} are read.
 */
export function collectComments(incident: Incident): TicketComment[] {
  const comments: TicketComment[] = [];
  if (incident.description.trim()) {
    comments.push({ id: 'c0', at: incident.createdAt, author: incident.reporter, text: incident.description });
  }
  for (const entry of incident.timeline) {
    const data = entry.data ?? {};
    const text = [data.note, data.comment, entry.type === 'ticket.comment' ? data.text : undefined].find(
      (value): value is string => typeof value === 'string' && value.trim().length > 0,
    );
    if (!text) continue;
    const author = typeof data.author === 'string' ? data.author : undefined;
    comments.push({ id: `c${comments.length}`, at: entry.at, ...(author ? { author } : {}), text });
  }
  return comments.slice(-MAX_COMMENTS);
}

const round = (value: number) => Math.round(value * 100) / 100;

/**
 * Sentiment of a ticket over its comments: a score per comment (the language model where configured and valid, else
 * the lexicon), the latest score, the average and the trend, and an escalation flag when the latest comment is very
 * negative, when it fell sharply from earlier ones, or when the reporter asks for a manager, a complaint,
 * cancellation or lawyers. The flag recommends an action for a person; nothing is done on the text's say-so.
 */
export async function assessSentiment(
  incident: Incident,
  deps: SentimentDeps,
  options: SentimentOptions = {},
): Promise<SentimentResult> {
  const threshold = options.escalationThreshold ?? -0.5;
  const dropThreshold = options.dropThreshold ?? 0.6;
  const skipped = (reason: string): SentimentResult => ({
    status: 'skipped',
    reason,
    comments: [],
    current: 0,
    average: 0,
    trend: 0,
    trendLabel: 'stable',
    escalation: { raised: false, reasons: [] },
    scoredBy: 'lexicon',
    summary: `Sentiment not assessed: ${reason}.`,
  });
  if (incident.kind === 'alert') return skipped('alerts are written by machines');
  const comments = collectComments(incident);
  if (comments.length === 0) return skipped('the ticket has no text from a person');

  const lexicon: CommentScore[] = comments.map((c) => scoreComment(c.text));
  let scores = lexicon.map((s) => s.score);
  let modelCues: string[] | undefined;
  let scoredBy = 'lexicon';
  if (deps.llm) {
    try {
      const answer = await deps.llm.generate({
        agent: agentName('Sentiment'),
        incidentId: incident.incidentId,
        task: 'record_comment_sentiment',
        taskDescription: 'Records the sentiment of each ticket comment, by comment id.',
        instructions:
          'Rate the sentiment of the person writing each comment, one score per comment id, with the cue that decided it.',
        facts: { commentIds: comments.map((c) => c.id) },
        untrusted: comments.map((c) => ({ label: `comment.${c.id}`, text: c.text })),
        schema: ModelSentiment,
      });
      const byId = new Map(answer.output.scores.map((s) => [s.id, s]));
      if (comments.every((c) => byId.has(c.id))) {
        scores = comments.map((c) => round(byId.get(c.id)!.score));
        modelCues = comments.map((c) => byId.get(c.id)!.cue);
        scoredBy = answer.modelId;
      }
    } catch {
      // The lexicon's scores stand.
    }
  }

  const scored: Omit<ScoredComment, 'text'>[] = comments.map(({ text: _text, ...comment }, i) => ({
    ...comment,
    score: scores[i]!,
    cues: modelCues ? [modelCues[i]!] : lexicon[i]!.cues.slice(0, 6),
    escalationRequest: lexicon[i]!.escalationRequest,
  }));
  const current = scores[scores.length - 1]!;
  const average = round(scores.reduce((a, b) => a + b, 0) / scores.length);
  const trend = trendSlope(scores);
  const trendLabel = scores.length < 2 || Math.abs(trend) < 0.1 ? 'stable' : trend > 0 ? 'improving' : 'worsening';
  const best = Math.max(...scores.slice(0, -1), current);
  const drop = round(best - current);

  const reasons: string[] = [];
  if (current <= threshold) reasons.push(`latest comment scores ${current} (threshold ${threshold})`);
  if (scores.length > 1 && drop >= dropThreshold && current < 0)
    reasons.push(`sentiment fell by ${drop} since an earlier comment`);
  const asked = scored.slice(-2).filter((c) => c.escalationRequest);
  if (asked.length > 0) reasons.push('the reporter asks for escalation (manager, complaint, cancellation or legal)');
  const raised = reasons.length > 0;
  const urgent = current <= -0.7 || asked.length > 0 || incident.priority === 'P1' || incident.priority === 'P2';
  const escalation: SentimentResult['escalation'] = raised
    ? { raised, reasons, recommendation: urgent ? 'assign-senior-agent' : 'offer-callback' }
    : { raised, reasons };

  const summary = raised
    ? `Escalation advised (${escalation.recommendation}): ${reasons.join('; ')}.`
    : `Sentiment ${polarityOf(current)} (${current}), ${trendLabel} over ${scores.length} comment${scores.length === 1 ? '' : 's'}.`;
  return { status: 'scored', comments: scored, current, average, trend, trendLabel, escalation, scoredBy, summary };
}
