import * as z from 'zod';
import { serviceOf } from '../../governance/governance-config';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { runbookExecutor } from '../../runtime/ports/runbook-executor';
import { workflowStep } from '../../runtime/workflow-step';
import { budgetFrom, type VerifyResult, verifyRecovery } from './core';

const Input = z.object({
  incidentId: z.string().min(1),
  previous: z
    .looseObject({
      attempts: z.number().int().min(0).optional(),
      startedAt: z.string().optional(),
      deadline: z.string().optional(),
    })
    .optional(),
});

/** Workflow step `VerifyRecovery`: one poll of the wait-and-poll loop that checks a remediation really worked. */
export const handler = workflowStep(Input, (input): Promise<VerifyResult> => {
  const policy = governancePolicy();
  return verifyRecovery(
    {
      store: incidentStore(),
      clock: clock(),
      audit: auditTrail(),
      executor: runbookExecutor(),
      runbooks: runbookCatalogue(),
      healthUrlOf: (service) => (service ? serviceOf(policy.config, service).targets.http : undefined),
      budget: budgetFrom(),
    },
    input,
  );
});
