import * as z from 'zod';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { writeBack } from '../../itsm/write-back';
import { approvalStore } from '../../runtime/ports/approval-store';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { itsm } from '../../runtime/ports/itsm';
import { notifier } from '../../runtime/ports/notifier';
import { runbookExecutor } from '../../runtime/ports/runbook-executor';
import { workflowStep } from '../../runtime/workflow-step';
import { type ExecuteResult, executePlan } from './core';

const Input = z.object({
  incidentId: z.string(),
  plan: z.looseObject({ planId: z.string(), actionHash: z.string() }),
  approval: z
    .looseObject({ decision: z.string(), approvalId: z.string().optional(), actionHash: z.string().optional() })
    .optional(),
});

/** Workflow step `ExecutePlan`: runs exactly the approved plan, after asking the policy once more. */
export const handler = workflowStep(Input, (input): Promise<ExecuteResult> => {
  const ports = { store: incidentStore(), clock: clock(), audit: auditTrail() };
  return executePlan(
    {
      ...ports,
      approvals: approvalStore(),
      notifier: notifier(),
      policy: governancePolicy(),
      runbooks: runbookCatalogue(),
      executor: runbookExecutor(),
      runbookDryRun: process.env.LUMOS_RUNBOOK_MODE === 'dry-run',
      writeBack: (incident, purpose, update) => writeBack({ ...ports, itsm: itsm() }, incident, purpose, update),
    },
    input,
  );
});
