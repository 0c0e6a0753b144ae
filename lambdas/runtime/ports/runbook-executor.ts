import { LambdaClient } from '@aws-sdk/client-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AwsRunbookExecutor } from '../../adapters/aws/ssm-runbook-executor';
import type { RunbookExecutor } from '../../ports/runbook-executor';
import { definePort } from '../dependencies';

/** Runs runbook steps: SSM Automation, Lambda and HTTP targets. */
export const runbookExecutor = definePort<RunbookExecutor>(
  'runbookExecutor',
  { access: ['runbookExecution'], env: [] },
  () => new AwsRunbookExecutor(new SSMClient({}), new LambdaClient({})),
);
