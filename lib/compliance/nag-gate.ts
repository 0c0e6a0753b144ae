import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Registers the cdk-nag gate on the whole app: the AWS Solutions and Serverless packs. Any unacknowledged finding
 * fails `cdk synth` (exit 1) and makes `app.synth()` throw, so a non-compliant change cannot be synthesized.
 */
export function addComplianceGate(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
}
