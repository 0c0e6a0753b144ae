import * as z from 'zod';
import { requestApproval } from '../../governance/approvals/approval-service';
import { linkKeys } from '../../governance/approvals/link-keys';
import { gatePorts, withPorts } from '../../governance/governance-deps';
import { notifier } from '../../runtime/ports/notifier';
import { workflowStep } from '../../runtime/workflow-step';

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
export const handler = workflowStep(Input, ({ incidentId, taskToken, plan }) =>
  requestApproval(withPorts(Object.assign(gatePorts(), { linkKeys }), { notifier }), {
    incidentId,
    taskToken,
    actionHash: plan.actionHash,
  }),
);
