import { StepFunctionsWorkflow } from '../../adapters/aws/sfn-workflow';
import type { Workflow } from '../../ports/workflow';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Starts incident workflows on the state machine `STATE_MACHINE_ARN` (a local endpoint locally). */
export const workflowStarter = definePort<Workflow>(
  'workflow',
  { access: ['startWorkflows'], env: ['STATE_MACHINE_ARN'] },
  () => new StepFunctionsWorkflow(env('STATE_MACHINE_ARN')),
);
