import * as z from 'zod';
import { governanceConfig, serviceOf } from '../../governance/governance-config';
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
  // The configuration alone: this step decides nothing with Cedar, so it does not load the policy engine.
  const config = governanceConfig();
  return verifyRecovery(
    {
      store: incidentStore(),
      clock: clock(),
      audit: auditTrail(),
      executor: runbookExecutor(),
      runbooks: runbookCatalogue(),
      healthUrlOf: (service) => (service ? serviceOf(config, service).targets.http : undefined),
      budget: budgetFrom(),
    },
    input,
  );
});
