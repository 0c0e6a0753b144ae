import { z } from 'zod';
import type { IncidentStatus } from '../../core/incident';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { workflowStep } from '../../runtime/workflow-step';
import { loadIncident } from '../step-input';

const Input = z.looseObject({ incidentId: z.string(), outcome: z.enum(['executed', 'rejected', 'escalated']) });

const STATUS: Record<z.infer<typeof Input>['outcome'], IncidentStatus> = {
  executed: 'in_progress',
  rejected: 'needs_human',
  escalated: 'escalated',
};

/** Workflow step `RecordOutcome`: the last word of the workflow on the incident. */
export const handler = workflowStep(Input, async ({ incidentId, outcome }): Promise<{ status: IncidentStatus }> => {
  const store = incidentStore();
  const incident = await loadIncident(store, incidentId);
  // A recovery that arrived while agents worked wins: the incident stays resolved.
  const status = incident.status === 'resolved' ? 'resolved' : STATUS[outcome];
  await store.update(incidentId, {
    set: { status },
    append: [
      {
        at: clock().now().toISOString(),
        actor: 'system',
        type: 'workflow.completed',
        summary: `Workflow finished: ${outcome}`,
      },
    ],
  });
  return { status };
});
