import { AwsRunbookExecutor } from '../../adapters/aws/ssm-runbook-executor';
import type { RunbookExecutor } from '../../ports/runbook-executor';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Runs runbook steps: SSM Automation (the stack's documents, with its automation role), Lambda and HTTP targets. */
export const runbookExecutor = definePort<RunbookExecutor>(
  'runbookExecutor',
  { access: ['runbookExecution'], env: ['LUMOS_AUTOMATION_DOCUMENT_PREFIX', 'LUMOS_AUTOMATION_ROLE_ARN'] },
  () =>
    new AwsRunbookExecutor(undefined, undefined, undefined, {
      documentPrefix: env('LUMOS_AUTOMATION_DOCUMENT_PREFIX'),
      assumeRoleArn: env('LUMOS_AUTOMATION_ROLE_ARN'),
    }),
);
