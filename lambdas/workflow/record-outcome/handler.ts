import * as z from 'zod';
import type { IncidentStatus } from '../../core/incident';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { workflowStep } from '../../runtime/workflow-step';
import { recordOutcome } from './core';

const Input = z.looseObject({ incidentId: z.string(), outcome: z.enum(['executed', 'rejected', 'escalated']) });

/** Workflow step `RecordOutcome`: classifies how the incident ended and records it. */
export const handler = workflowStep(Input, async (input): Promise<{ status: IncidentStatus; outcomeClass: string }> => {
  const { status, outcome } = await recordOutcome(
    { store: incidentStore(), clock: clock(), audit: auditTrail() },
    input,
  );
  return { status, outcomeClass: outcome.class };
});
