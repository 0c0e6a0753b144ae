import { StepFunctionsWorkflow } from '../../adapters/aws/sfn-workflow';
import type { Workflow } from '../../ports/workflow';
import { definePort } from '../dependencies';

/**
 * Completes and heartbeats waiting workflow tasks. SendTask* address a task by its token alone, so where the stack
 * cannot give a function the state machine ARN (the timer: it would close a dependency cycle) none is needed.
 */
export const taskCallbacks = definePort<Omit<Workflow, 'start'>>(
  'workflow',
  { access: ['taskCallbacks'], env: [] },
  () => new StepFunctionsWorkflow(process.env.STATE_MACHINE_ARN ?? 'arn:aws:states:::stateMachine:callbacks-only'),
);
