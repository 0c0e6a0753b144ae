import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { DynamoDbIncidentStore } from '../adapters/aws/dynamodb-incident-store';
import { S3RawArchive } from '../adapters/aws/s3-raw-archive';
import { SecretsManagerSecrets } from '../adapters/aws/secrets-manager-secrets';
import { StepFunctionsWorkflow } from '../adapters/aws/sfn-workflow';
import { SnsNotifier } from '../adapters/aws/sns-notifier';
import { agentFactories } from './aws-agent-factories';
import { registerFactories } from './dependencies';

/** Reads a required environment variable set by the stack; a missing one is a deployment bug worth a clear message. */
function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * How each port is built inside Lambda. Importing this module registers the factories; nothing is constructed
 * until a handler first asks for the port.
 */
registerFactories({
  store: () => new DynamoDbIncidentStore(env('INCIDENT_TABLE_NAME')),
  approvals: () => new DynamoDbApprovalStore(env('INCIDENT_TABLE_NAME')),
  workflow: () => new StepFunctionsWorkflow(env('STATE_MACHINE_ARN')),
  secrets: () => new SecretsManagerSecrets(env('WEBHOOK_SECRETS_ARN')),
  archive: () => new S3RawArchive(env('RAW_ARCHIVE_BUCKET')),
  notifier: () => new SnsNotifier(env('NOTIFICATIONS_TOPIC_ARN')),
  // --- agents ---
  ...agentFactories(env),
  // --- end agents ---
});
