import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { S3AuditExport } from '../adapters/aws/dynamodb-audit-s3-export';
import { DynamoDbAuditTrail } from '../adapters/aws/dynamodb-audit-trail';
import { DynamoDbIncidentStore } from '../adapters/aws/dynamodb-incident-store';
import { S3RawArchive } from '../adapters/aws/s3-raw-archive';
import { EventBridgeScheduler } from '../adapters/aws/scheduler-timers';
import { SecretsManagerSecrets } from '../adapters/aws/secrets-manager-secrets';
import { StepFunctionsWorkflow } from '../adapters/aws/sfn-workflow';
import { SnsNotifier } from '../adapters/aws/sns-notifier';
import { AwsRunbookExecutor } from '../adapters/aws/ssm-runbook-executor';
import { SecretBackedItsm } from '../itsm/connector-registry';
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
  // --- governance ---
  audit: () => new DynamoDbAuditTrail(env('AUDIT_TABLE_NAME')),
  auditExport: () => new S3AuditExport(env('AUDIT_EXPORT_BUCKET')),
  scheduler: () =>
    new EventBridgeScheduler({
      groupName: env('SCHEDULE_GROUP_NAME'),
      targetArn: env('GOVERNANCE_TIMER_FUNCTION_ARN'),
      roleArn: env('SCHEDULER_ROLE_ARN'),
      deadLetterArn: process.env.SCHEDULER_DEAD_LETTER_ARN,
    }),
  runbookExecutor: () => new AwsRunbookExecutor(),
  approvalLinkKeys: () => new SecretsManagerSecrets(env('APPROVAL_LINK_SECRET_ARN')),
  // --- end governance ---
  // --- agents ---
  ...agentFactories(env),
  // --- end agents ---
  // ITSM connections live in their own secret (`{"servicenow": {baseUrl, credentials}, ...}`); without it every
  // write is recorded on the incident as not configured instead of failing the workflow.
  itsm: () =>
    new SecretBackedItsm(
      process.env.ITSM_SECRETS_ARN
        ? new SecretsManagerSecrets(process.env.ITSM_SECRETS_ARN)
        : { get: async () => undefined },
    ),
});
