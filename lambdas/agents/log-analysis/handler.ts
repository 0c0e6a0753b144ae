import middy from '@middy/core';
import '../../runtime/aws/agents-llm';
import '../../runtime/aws/agents-logs';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { parseStepInput, StepInput } from '../../workflow/step-input';
import { runAgentStep } from '../agent-step';
import { analyseIncidentLogs } from './core';

/** Workflow step `LogAnalysis`: templates, new and spiking errors, stack traces in the affected service's logs. */
export const handler = middy<unknown, Record<string, unknown>>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const clock = dependency('clock');
  return runAgentStep(
    'log-analysis',
    incidentId,
    { store: dependency('store'), clock, audit: dependency('audit') },
    async (incident, decision) => {
      const result = await analyseIncidentLogs(incident, {
        logs: dependency('logs'),
        llm: decision.model(dependency('llm')),
        clock,
      });
      logger.info('logs analysed', { incidentId, status: result.status, anomalies: result.anomalies?.length ?? 0 });
      return {
        result: { ...result },
        summary: result.summary,
        data: { status: result.status, anomalies: result.anomalies?.length ?? 0, confidence: result.confidence },
        output: { status: result.status, anomalyCount: result.anomalies?.length ?? 0 },
        method: 'log-templates',
      };
    },
  );
});
