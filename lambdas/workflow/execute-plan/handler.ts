import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-runbooks';
import '../../runtime/aws/itsm';
import '../../runtime/aws/notifier';
import '../../runtime/aws/store';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { writeBack } from '../../itsm/write-back';
import { dependency } from '../../runtime/dependencies';
import { parseStepInput } from '../step-input';
import { type ExecuteResult, executePlan } from './core';

const Input = z.object({
  incidentId: z.string(),
  plan: z.looseObject({ planId: z.string(), actionHash: z.string() }),
  approval: z
    .looseObject({ decision: z.string(), approvalId: z.string().optional(), actionHash: z.string().optional() })
    .optional(),
});

/** Workflow step `ExecutePlan`: runs exactly the approved plan, after asking the policy once more. */
export const handler = middy<unknown, ExecuteResult>().handler(async (payload) => {
  const input = parseStepInput(Input, payload);
  return executePlan(
    {
      store: dependency('store'),
      approvals: dependency('approvals'),
      notifier: dependency('notifier'),
      audit: dependency('audit'),
      clock: dependency('clock'),
      policy: governancePolicy(),
      runbooks: runbookCatalogue(),
      executor: dependency('runbookExecutor'),
      runbookDryRun: process.env.LUMOS_RUNBOOK_MODE === 'dry-run',
      writeBack: (incident, purpose, update) =>
        writeBack(
          {
            store: dependency('store'),
            itsm: dependency('itsm'),
            clock: dependency('clock'),
            audit: dependency('audit'),
          },
          incident,
          purpose,
          update,
        ),
    },
    input,
  );
});
