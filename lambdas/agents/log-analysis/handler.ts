import { agentStep } from '../../runtime/agent-step';
import { clock } from '../../runtime/ports/clock';
import { languageModel } from '../../runtime/ports/language-model';
import { logSource } from '../../runtime/ports/log-source';
import { logger } from '../../shared/observability';
import { analyseIncidentLogs } from './core';

/** Workflow step `LogAnalysis`: templates, new and spiking errors, stack traces in the affected service's logs. */
export const handler = agentStep({
  step: 'LogAnalysis',
  work: async (incident, decision) => {
    const result = await analyseIncidentLogs(incident, {
      logs: logSource(),
      llm: decision.model(languageModel()),
      clock: clock(),
    });
    const anomalies = result.anomalies?.length ?? 0;
    logger.info('logs analysed', { status: result.status, anomalies });
    return {
      result: { ...result },
      summary: result.summary,
      data: { status: result.status, anomalies, confidence: result.confidence },
      output: { status: result.status, anomalyCount: anomalies },
      method: 'log-templates',
    };
  },
});
