import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws/governance-approval-links';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-scheduler';
import '../../runtime/aws/notifier';
import '../../runtime/aws/store';
import '../../runtime/aws/workflow';
import { requestApproval } from '../../governance/approvals/approval-service';
import { approvalDeps } from '../../governance/governance-deps';
import { parseStepInput } from '../step-input';

const Input = z.object({
  incidentId: z.string(),
  taskToken: z.string().min(1),
  plan: z.looseObject({ planId: z.string(), riskTier: z.string(), actionHash: z.string() }),
});

/**
 * Workflow step `HumanGate` (callback): stores the approval request with its task token, bound to the exact
 * planned actions by their hash, and sends each approver a personal link. The execution waits until a decision
 * arrives through SendTaskSuccess or the gate's deadline passes.
 */
export const handler = middy<unknown, { approvalId: string; approvers: number }>().handler(async (payload) => {
  const { incidentId, taskToken, plan } = parseStepInput(Input, payload);
  return requestApproval(approvalDeps(), { incidentId, taskToken, actionHash: plan.actionHash });
});
