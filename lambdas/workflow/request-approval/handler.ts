import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { loadIncident, parseStepInput } from '../step-input';

const Input = z.object({
  incidentId: z.string(),
  taskToken: z.string().min(1),
  plan: z.looseObject({
    planId: z.string(),
    riskTier: z.string(),
    actionHash: z.string(),
    approvalTimeoutSeconds: z.number(),
  }),
});

const baseUrl = () => (process.env.PUBLIC_BASE_URL ?? '').replace(/\/$/, '');

/**
 * Workflow step `HumanGate` (callback): records the approval request with its task token, bound to the exact
 * planned action by its hash, and notifies the approvers with links. The execution waits until a decision arrives
 * through SendTaskSuccess or the gate's deadline passes.
 */
export const handler = middy<unknown, { approvalId: string }>().handler(async (payload) => {
  const { incidentId, taskToken, plan } = parseStepInput(Input, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const now = dependency('clock').now();
  const approvalId = `apr-${plan.actionHash.slice(0, 16)}-${now.getTime().toString(36)}`;
  const expiresAt = new Date(now.getTime() + plan.approvalTimeoutSeconds * 1000).toISOString();
  const group = incident.triage?.assignmentGroup ?? 'Service Desk';
  await dependency('approvals').create({
    approvalId,
    incidentId,
    planId: plan.planId,
    actionHash: plan.actionHash,
    riskTier: plan.riskTier,
    approverGroup: group,
    taskToken,
    status: 'pending',
    requestedAt: now.toISOString(),
    expiresAt,
  });
  await store.update(incidentId, {
    set: { status: 'awaiting_approval' },
    append: [
      {
        at: now.toISOString(),
        actor: 'planner',
        type: 'approval.requested',
        summary: `${plan.riskTier} risk plan awaits approval by ${group} until ${expiresAt}`,
        data: { approvalId, actionHash: plan.actionHash },
      },
    ],
  });
  const link = `${baseUrl()}/approvals/${approvalId}`;
  await dependency('notifier').send({
    channel: 'approval',
    recipient: group,
    subject: `[${incident.priority}] Approval needed: ${incident.title}`,
    text: `Lumos plans a ${plan.riskTier}-risk response to ${incident.externalId} "${incident.title}" and needs ${group} to decide by ${expiresAt}.`,
    links: [{ rel: 'review', href: link, method: 'GET' }],
    incidentId,
    data: { approvalId },
  });
  return { approvalId };
});
