import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { loadIncident, parseStepInput } from '../step-input';

const Input = z.object({ incidentId: z.string(), reason: z.string().optional() });

/** Workflow step `Escalate`: nobody decided in time, so the safe default applies: no action, page on-call. */
export const handler = middy<unknown, { escalatedTo: string }>().handler(async (payload) => {
  const { incidentId, reason } = parseStepInput(Input, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const escalatedTo = process.env.ONCALL_GROUP ?? `${incident.triage?.assignmentGroup ?? 'Service Desk'} on-call`;
  const at = dependency('clock').now().toISOString();
  await dependency('notifier').send({
    channel: 'page',
    recipient: escalatedTo,
    subject: `[${incident.priority}] Escalation: ${incident.title}`,
    text: `No decision on the planned response to ${incident.externalId} (${reason ?? 'deadline passed'}). Nothing was executed; please take over.`,
    incidentId,
  });
  await store.update(incidentId, {
    set: { status: 'escalated' },
    append: [
      {
        at,
        actor: 'system',
        type: 'incident.escalated',
        summary: `Approval deadline passed (${reason ?? 'timeout'}); paged ${escalatedTo}`,
      },
    ],
  });
  return { escalatedTo };
});
