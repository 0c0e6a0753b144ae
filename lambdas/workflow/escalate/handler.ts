import * as z from 'zod';
import { expire } from '../../governance/approvals/approval-service';
import { gatePorts } from '../../governance/governance-deps';
import { notifier } from '../../runtime/ports/notifier';
import { workflowStep } from '../../runtime/workflow-step';
import { loadIncident } from '../step-input';

const Input = z.object({ incidentId: z.string(), reason: z.string().optional() });

/**
 * Workflow step `Escalate`: nobody decided in time (every approver stage, fallback groups included, has passed),
 * so the safe default applies: the request expires (late decisions get 410), nothing is executed, on-call is
 * paged and the ticket notes it.
 */
export const handler = workflowStep(Input, async ({ incidentId, reason }): Promise<{ escalatedTo: string }> => {
  const deps = gatePorts();
  const incident = await loadIncident(deps.store, incidentId);
  const why =
    reason === 'States.HeartbeatTimeout' ? 'the approval channel stopped answering' : 'the approval deadline passed';
  const approval = incident.agents.approval as { approvalId?: string } | undefined;
  if (approval?.approvalId) await expire(deps, approval.approvalId, `${why} (${reason ?? 'timeout'})`);

  const { onCall } = deps.policy.config;
  const escalatedTo = onCall.recipient;
  const at = deps.clock.now().toISOString();
  await notifier().send({
    channel: onCall.channel,
    recipient: escalatedTo,
    subject: `[${incident.triage?.priority ?? incident.priority}] Escalation: ${incident.title}`,
    text: `No decision on the planned response to ${incident.externalId} (${why}). Nothing was executed; please take over.`,
    incidentId,
    data: { kind: 'approval.escalation', approvalId: approval?.approvalId ?? null },
  });
  await notifier().send({
    channel: 'itsm',
    recipient: `${incident.source}:${incident.externalId}`,
    subject: 'Lumos: escalated',
    text: `No approval arrived in time (${why}); Lumos executed nothing and escalated to ${escalatedTo}.`,
    incidentId,
  });
  await deps.audit.append(incidentId, {
    type: 'escalation',
    actor: 'system',
    summary: `no decision (${reason ?? 'timeout'}): nothing executed, paged ${escalatedTo}`,
    data: { reason: reason ?? 'timeout', approvalId: approval?.approvalId ?? null, escalatedTo },
  });
  await deps.audit.append(incidentId, {
    type: 'itsm.write',
    actor: 'system',
    summary: `${incident.source}:${incident.externalId}: escalation note`,
    data: { target: `${incident.source}:${incident.externalId}` },
  });
  await deps.store.update(incidentId, {
    set: { status: 'escalated' },
    append: [
      {
        at,
        actor: 'system',
        type: 'incident.escalated',
        summary: `No decision in time (${why}); paged ${escalatedTo}; nothing executed`,
      },
    ],
  });
  return { escalatedTo };
});
