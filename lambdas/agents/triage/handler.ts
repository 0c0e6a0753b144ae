import middy from '@middy/core';
import type { TriageResult } from '../../core/incident';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { loadIncident, parseStepInput, StepInput } from '../../workflow/step-input';
import { triageIncident } from './core';

/** Workflow step `Triage`: classifies the incident and records the result and its reasoning. */
export const handler = middy<unknown, TriageResult>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const result = triageIncident(incident);
  await store.update(incidentId, {
    set: { triage: result, priority: result.priority, status: 'triaged' },
    append: [
      {
        at: dependency('clock').now().toISOString(),
        actor: 'triage',
        type: 'agent.triage',
        summary: `${result.priority} ${result.category} -> ${result.assignmentGroup} (confidence ${result.confidence})`,
        data: { method: result.method, reasons: result.reasons },
      },
    ],
  });
  logger.info('triaged', {
    incidentId,
    priority: result.priority,
    category: result.category,
    confidence: result.confidence,
  });
  return result;
});
