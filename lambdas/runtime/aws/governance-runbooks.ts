/** Registers the runbook executor (SSM Automation, Lambda, HTTP targets). */
import { AwsRunbookExecutor } from '../../adapters/aws/ssm-runbook-executor';
import { registerFactories } from '../dependencies';

registerFactories({
  runbookExecutor: () => new AwsRunbookExecutor(),
});
