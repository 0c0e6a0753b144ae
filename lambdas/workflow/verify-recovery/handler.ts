import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-runbooks';
import '../../runtime/aws/store';
import { serviceOf } from '../../governance/governance-config';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { dependency } from '../../runtime/dependencies';
import { parseStepInput } from '../step-input';
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
export const handler = middy<unknown, VerifyResult>().handler(async (payload) => {
  const input = parseStepInput(Input, payload);
  const policy = governancePolicy();
  return verifyRecovery(
    {
      store: dependency('store'),
      clock: dependency('clock'),
      audit: dependency('audit'),
      executor: dependency('runbookExecutor'),
      runbooks: runbookCatalogue(),
      healthUrlOf: (service) => (service ? serviceOf(policy.config, service).targets.http : undefined),
      budget: budgetFrom(),
    },
    input,
  );
});
