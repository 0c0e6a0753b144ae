/** Registers the workflow port: the Step Functions state machine `STATE_MACHINE_ARN` (a local endpoint locally). */
import { StepFunctionsWorkflow } from '../../adapters/aws/sfn-workflow';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  workflow: () => new StepFunctionsWorkflow(env('STATE_MACHINE_ARN')),
});
