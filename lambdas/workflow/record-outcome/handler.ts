import middy from '@middy/core';
import { z } from 'zod';
import type { IncidentStatus } from '../../core/incident';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { loadIncident, parseStepInput } from '../step-input';

const Input = z.looseObject({ incidentId: z.string(), outcome: z.enum(['executed', 'rejected', 'escalated']) });

const STATUS: Record<z.infer<typeof Input>['outcome'], IncidentStatus> = {
  executed: 'in_progress',
  rejected: 'needs_human',
  escalated: 'escalated',
};

/** Workflow step `RecordOutcome`: the last word of the workflow on the incident. */
export const handler = middy<unknown, { status: IncidentStatus }>().handler(async (payload) => {
  const { incidentId, outcome } = parseStepInput(Input, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  // A recovery that arrived while agents worked wins: the incident stays resolved.
  const status = incident.status === 'resolved' ? 'resolved' : STATUS[outcome];
  await store.update(incidentId, {
    set: { status },
    append: [
      {
        at: dependency('clock').now().toISOString(),
        actor: 'system',
        type: 'workflow.completed',
        summary: `Workflow finished: ${outcome}`,
      },
    ],
  });
  return { status };
});
