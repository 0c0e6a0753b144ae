import type { IncidentOutcome, IncidentStatus } from '../../core/incident';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import { type IncidentStore, isClosed } from '../../ports/incident-store';
import { loadIncident } from '../step-input';
import { classifyOutcome } from './outcome-class';

/** How the workflow ended, as the state machine passes it. */
export type WorkflowOutcome = 'executed' | 'rejected' | 'escalated';

const STATUS: Record<WorkflowOutcome, IncidentStatus> = {
  executed: 'in_progress',
  rejected: 'needs_human',
  escalated: 'escalated',
};

export interface RecordOutcomeDeps {
  store: IncidentStore;
  clock: Clock;
  audit: AuditTrail;
}

/**
 * Workflow step `RecordOutcome`: the last word of the workflow on the incident. Classifies the outcome (see
 * {@link classifyOutcome}) and sets the status: resolved only after a verified recovery (or a fulfilled request);
 * a recovery intake saw meanwhile keeps the incident resolved; otherwise the status says who has it now.
 */
export async function recordOutcome(
  deps: RecordOutcomeDeps,
  input: { incidentId: string; outcome: WorkflowOutcome },
): Promise<{ status: IncidentStatus; outcome: IncidentOutcome }> {
  const incident = await loadIncident(deps.store, input.incidentId);
  const now = deps.clock.now();
  const outcome = classifyOutcome(incident, now);
  const status: IncidentStatus = isClosed(incident.status)
    ? incident.status
    : outcome.personNeeded
      ? STATUS[input.outcome]
      : 'resolved';
  const at = now.toISOString();
  await deps.store.update(input.incidentId, {
    set: { status, outcome },
    append: [
      ...(status === 'resolved' && !isClosed(incident.status)
        ? [
            {
              at,
              actor: 'verifier',
              type: 'incident.resolved',
              summary: `Resolved by Lumos: ${outcome.reason}`,
            },
          ]
        : []),
      {
        at,
        actor: 'system',
        type: 'outcome.recorded',
        summary: `Outcome: ${outcome.class}; ${outcome.personNeeded ? 'a person is needed' : 'no person needs to take over'} (${outcome.reason})`,
        data: { class: outcome.class, personNeeded: outcome.personNeeded },
      },
      { at, actor: 'system', type: 'workflow.completed', summary: `Workflow finished: ${input.outcome}` },
    ],
  });
  await deps.audit.append(input.incidentId, {
    type: 'outcome.recorded',
    actor: 'system',
    summary: `${outcome.class}, person needed: ${outcome.personNeeded}`,
    data: { ...outcome, status },
  });
  return { status, outcome };
}
