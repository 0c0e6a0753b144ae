import middy from '@middy/core';
import '../../runtime/aws/agents-llm';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { parseStepInput, StepInput } from '../../workflow/step-input';
import { runAgentStep } from '../agent-step';
import { assessSentiment } from './core';

/** `SENTIMENT_ESCALATION_THRESHOLD` (-1..0) from the stage config; the core's default when unset. */
function threshold(): number | undefined {
  const value = Number(process.env.SENTIMENT_ESCALATION_THRESHOLD);
  return process.env.SENTIMENT_ESCALATION_THRESHOLD && Number.isFinite(value) ? value : undefined;
}

/** Workflow step `Sentiment`: score and trend over the ticket's comments; flags escalation when it sours. */
export const handler = middy<unknown, Record<string, unknown>>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  return runAgentStep(
    'sentiment',
    incidentId,
    { store: dependency('store'), clock: dependency('clock'), audit: dependency('audit') },
    async (incident, decision) => {
      const result = await assessSentiment(
        incident,
        { llm: decision.model(dependency('llm')) },
        { escalationThreshold: threshold() },
      );
      logger.info('sentiment assessed', {
        incidentId,
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
  );
});
