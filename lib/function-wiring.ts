import type { FunctionSpec } from '../lambdas/catalogue';

/**
 * One thing a function may reach. Each grants the narrowest IAM permission for it and sets the environment variable
 * that addresses it, so a function never holds an address it may not use, nor a permission it has no address for.
 *
 * | need                   | environment variable          | permission                                              |
 * |------------------------|-------------------------------|---------------------------------------------------------|
 * | readIncidents          | INCIDENT_TABLE_NAME           | Get/BatchGet/Query/ConditionCheck on table + 2 indexes  |
 * | readWriteIncidents     | INCIDENT_TABLE_NAME           | the above + Put/Update/Delete/BatchWrite                |
 * | startWorkflows         | STATE_MACHINE_ARN             | StartExecution; DescribeExecution on its executions     |
 * | archiveDeliveries      | RAW_ARCHIVE_BUCKET            | s3:PutObject on the archive bucket                      |
 * | readWebhookSecrets     | WEBHOOK_SECRETS_ARN           | GetSecretValue/DescribeSecret on the webhook secret     |
 * | publishNotifications   | NOTIFICATIONS_TOPIC_ARN       | sns:Publish on the topic; GenerateDataKey/Decrypt on key|
 * | triageModel            | BEDROCK_MODEL_ID              | bedrock:InvokeModel on the stage's triage model         |
 * | planModel              | BEDROCK_MODEL_ID              | bedrock:InvokeModel on the stage's plan model           |
 * | embeddingModel         | BEDROCK_EMBEDDING_MODEL_ID    | bedrock:InvokeModel on the stage's embedding model      |
 * | serviceMap             | SERVICE_MAP_PARAMETER         | ssm:GetParameter on it (only when the stage has one)    |
 * | approvalPolicy         | APPROVAL_TIMEOUT_SECONDS (JSON per risk tier), APPROVAL_HEARTBEAT_SECONDS | none       |
 */
export type FunctionNeed =
  | 'readIncidents'
  | 'readWriteIncidents'
  | 'startWorkflows'
  | 'archiveDeliveries'
  | 'readWebhookSecrets'
  | 'writeTickets'
  | 'publishNotifications'
  | 'triageModel'
  | 'planModel'
  | 'embeddingModel'
  | 'serviceMap'
  | 'approvalPolicy';

/** What each catalogue function needs, by id. Least privilege: add a need here only when the handler uses it. */
export const FUNCTION_NEEDS: Readonly<Record<string, readonly FunctionNeed[]>> = {
  WebhookIntake: ['readWriteIncidents', 'startWorkflows', 'archiveDeliveries', 'readWebhookSecrets'],
  AlarmIntake: ['readWriteIncidents', 'startWorkflows', 'archiveDeliveries'],
  IncidentApi: ['readIncidents'],
  Triage: ['readWriteIncidents', 'triageModel', 'serviceMap'],
  Knowledge: ['readWriteIncidents', 'embeddingModel'],
  Plan: ['readWriteIncidents', 'planModel', 'approvalPolicy'],
  RequestApproval: ['readWriteIncidents', 'publishNotifications'],
  ExecutePlan: ['readWriteIncidents', 'publishNotifications', 'writeTickets'],
  Escalate: ['readWriteIncidents', 'publishNotifications'],
  VerifyRecovery: ['readWriteIncidents'],
  RecordOutcome: ['readWriteIncidents'],
  Postmortem: ['readWriteIncidents', 'writeTickets'],
  FlagForHuman: ['readWriteIncidents', 'publishNotifications'],
  // Agents (lib/agents-wiring.ts adds models, knowledge search and log access).
  Sentiment: ['readWriteIncidents'],
  LogAnalysis: ['readWriteIncidents'],
  Dependency: ['readWriteIncidents'],
  KnowledgeSync: [],
  // Governance (lib/governance-wiring.ts adds the audit trail, timers, link key and policy bundle).
  ApprovalApi: ['readWriteIncidents'],
  SlaApi: ['readWriteIncidents'],
  AuditApi: ['readIncidents'],
  GovernanceTimer: ['readWriteIncidents', 'publishNotifications', 'approvalPolicy'],
  AuditExport: [],
  // Write-back to the ITSM ticket (lambdas/itsm): the connections secret.
  FirstResponse: ['readWriteIncidents', 'writeTickets'],
  Fulfilment: ['readWriteIncidents', 'writeTickets'],
  Handoff: ['readWriteIncidents', 'writeTickets'],
  WriteBack: ['readWriteIncidents', 'writeTickets'],
};

/**
 * Needs of functions added to the catalogue without an entry in {@link FUNCTION_NEEDS}: the least a function of
 * that role can do anything with. Give a new function its own entry rather than widening these.
 */
export const DEFAULT_NEEDS_BY_ROLE: Readonly<Record<FunctionSpec['role'], readonly FunctionNeed[]>> = {
  workflow: ['readWriteIncidents'],
  api: ['readIncidents'],
  event: ['readWriteIncidents'],
};

/** The needs of one catalogue function. */
export function needsOf(spec: FunctionSpec): readonly FunctionNeed[] {
  return FUNCTION_NEEDS[spec.id] ?? DEFAULT_NEEDS_BY_ROLE[spec.role];
}

/** The Powertools service name of a catalogue function: `WebhookIntake` -> `lumos-webhook-intake`. */
export function serviceNameOf(spec: FunctionSpec): string {
  return `lumos-${spec.id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}
