import { agentStep } from '../../runtime/agent-step';
import { languageModel } from '../../runtime/ports/language-model';
import { logger } from '../../shared/observability';
import { assessSentiment } from './core';

/** `SENTIMENT_ESCALATION_THRESHOLD` (-1..0) from the stage config; the core's default when unset. */
function threshold(): number | undefined {
  const value = Number(process.env.SENTIMENT_ESCALATION_THRESHOLD);
  return process.env.SENTIMENT_ESCALATION_THRESHOLD && Number.isFinite(value) ? value : undefined;
}

/** Workflow step `Sentiment`: score and trend over the ticket's comments; flags escalation when it sours. */
export const handler = agentStep({
  step: 'Sentiment',
  work: async (incident, decision) => {
    const result = await assessSentiment(
      incident,
      { llm: decision.model(languageModel()) },
      { escalationThreshold: threshold() },
    );
    logger.info('sentiment assessed', {
      status: result.status,
      current: result.current,
      escalate: result.escalation.raised,
    });
    return {
      result: { ...result },
      summary: result.summary,
      data: { current: result.current, trend: result.trend, escalation: result.escalation.raised },
      output: { status: result.status, escalate: result.escalation.raised },
      method: 'sentiment-lexicon',
    };
  },
});
