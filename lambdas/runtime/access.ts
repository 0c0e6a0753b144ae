/**
 * What a deployed function may reach: each catalogue entry lists its access, the CDK wiring (`lib/`) turns each
 * into the narrowest IAM grant plus the environment variables that address it, and each port accessor
 * (`lambdas/runtime/ports/`) declares the access it needs. `test/infra/function-access.test.ts` checks the three
 * agree, so a missing grant fails a local test rather than the first deployed run.
 *
 * This module holds names only (no imports): handlers, the catalogue and the stack all read it.
 *
 * Incident table, workflow, archive, secrets, notifications, models (wired by `lib/lumos-stack.ts`):
 *
 * | access               | environment variable              | permission                                              |
 * |----------------------|-----------------------------------|---------------------------------------------------------|
 * | readIncidents        | INCIDENT_TABLE_NAME               | Get/BatchGet/Query/ConditionCheck on table + 2 indexes  |
 * | readWriteIncidents   | INCIDENT_TABLE_NAME               | the above + Put/Update/Delete/BatchWrite                |
 * | startWorkflows       | STATE_MACHINE_ARN                 | StartExecution; DescribeExecution on its executions     |
 * | archiveDeliveries    | RAW_ARCHIVE_BUCKET                | s3:PutObject on the archive bucket                      |
 * | readWebhookSecrets   | WEBHOOK_SECRETS_ARN               | GetSecretValue/DescribeSecret on the webhook secret     |
 * | writeTickets         | ITSM_SECRETS_ARN                  | GetSecretValue on the ITSM connections secret           |
 * | publishNotifications | NOTIFICATIONS_TOPIC_ARN           | sns:Publish on the topic; GenerateDataKey/Decrypt on key|
 * | triageModel          | BEDROCK_MODEL_ID                  | bedrock:InvokeModel on the stage's triage model         |
 * | planModel            | BEDROCK_MODEL_ID                  | bedrock:InvokeModel on the stage's plan model           |
 * | embeddingModel       | BEDROCK_EMBEDDING_MODEL_ID        | bedrock:InvokeModel on the stage's embedding model      |
 * | serviceMap           | SERVICE_MAP_PARAMETER             | ssm:GetParameter on it (only when the stage has one)    |
 * | approvalPolicy       | APPROVAL_TIMEOUT_SECONDS, APPROVAL_HEARTBEAT_SECONDS | none                                 |
 *
 * Governance (wired by `lib/governance-wiring.ts`):
 *
 * | access           | environment variable                                  | permission                                   |
 * |------------------|-------------------------------------------------------|----------------------------------------------|
 * | policyBundle     | LUMOS_POLICY_DIR, LUMOS_RUNBOOK_DIR, LUMOS_GOVERNANCE_OVERRIDES | the governance layer (no IAM)      |
 * | appendAudit      | AUDIT_TABLE_NAME                                      | PutItem/GetItem/Query on the audit table     |
 * | readAudit        | AUDIT_TABLE_NAME                                      | GetItem/Query on the audit table             |
 * | readAuditExport  | AUDIT_EXPORT_BUCKET                                   | GetObject audit/*, ListBucket                |
 * | exportAudit      | AUDIT_EXPORT_BUCKET                                   | PutObject audit/*, the table's stream        |
 * | manageTimers     | SCHEDULE_GROUP_NAME, SCHEDULER_ROLE_ARN, GOVERNANCE_TIMER_FUNCTION_ARN, SCHEDULER_DEAD_LETTER_ARN | schedules in the group, PassRole |
 * | taskCallbacks    | STATE_MACHINE_ARN                                     | SendTaskSuccess/Failure/Heartbeat            |
 * | approvalLinks    | APPROVAL_LINK_SECRET_ARN                              | GetSecretValue on the signing key            |
 * | linksBaseUrl     | PUBLIC_BASE_URL                                       | none                                         |
 * | runbookExecution | LUMOS_AUTOMATION_DOCUMENT_PREFIX, LUMOS_AUTOMATION_ROLE_ARN | StartAutomationExecution on the stack's runbook documents, PassRole of their role, Lambda `lumos-runbook-*` |
 *
 * Agents (wired by `lib/agents-wiring.ts`):
 *
 * | access                | environment variable                         | permission                                      |
 * |-----------------------|----------------------------------------------|-------------------------------------------------|
 * | model:&lt;agent&gt;   | LUMOS_LLM_SETTINGS                           | InvokeModel on the agent's model, the guardrail |
 * | knowledgeSearch       | KNOWLEDGE_COLLECTION_ENDPOINT, KNOWLEDGE_INDEX_NAME, KNOWLEDGE_EMBEDDING_DIMENSIONS | aoss:APIAccessAll, data access read |
 * | writeKnowledge        | KNOWLEDGE_COLLECTION_ENDPOINT, KNOWLEDGE_INDEX_NAME, KNOWLEDGE_EMBEDDING_DIMENSIONS | aoss:APIAccessAll, data access write |
 * | readKnowledgeArticles | KNOWLEDGE_S3_URI                             | ListBucket, GetObject on the articles bucket    |
 * | knowledgeDrafts       | KNOWLEDGE_DRAFTS_BUCKET                      | Get/Put/Delete drafts/* and approved/*, list drafts/ |
 * | servicenowKnowledge   | SERVICENOW_KB_SECRET_ARN (when the stage has one) | GetSecretValue on it                       |
 * | logsInsights          | LUMOS_LOG_GROUPS                             | Logs Insights queries on the mapped groups      |
 * | sentimentSettings     | SENTIMENT_ESCALATION_THRESHOLD               | none                                            |
 */

/** Agents that call a language model; each has its model settings in the stage's agents config. */
export const MODEL_AGENTS = ['triage', 'knowledge', 'sentiment', 'log-analysis', 'diagnosis'] as const;
export type ModelAgent = (typeof MODEL_AGENTS)[number];

/** Access wired by the stack itself. */
export const CORE_ACCESS = [
  'readIncidents',
  'readWriteIncidents',
  'startWorkflows',
  'archiveDeliveries',
  'readWebhookSecrets',
  'writeTickets',
  'publishNotifications',
  'triageModel',
  'planModel',
  'embeddingModel',
  'serviceMap',
  'approvalPolicy',
] as const;
export type CoreAccess = (typeof CORE_ACCESS)[number];

/** Access wired by the governance construct. */
export const GOVERNANCE_ACCESS = [
  'policyBundle',
  'appendAudit',
  'readAudit',
  'readAuditExport',
  'exportAudit',
  'manageTimers',
  'taskCallbacks',
  'approvalLinks',
  'linksBaseUrl',
  'runbookExecution',
] as const;
export type GovernanceAccess = (typeof GOVERNANCE_ACCESS)[number];

/** Access wired by the agents construct. */
export const AGENT_ACCESS = [
  ...MODEL_AGENTS.map((agent) => `model:${agent}` as const),
  'knowledgeSearch',
  'writeKnowledge',
  'readKnowledgeArticles',
  'knowledgeDrafts',
  'servicenowKnowledge',
  'logsInsights',
  'sentimentSettings',
] as const;
export type AgentAccess = `model:${ModelAgent}` | (typeof AGENT_ACCESS)[number];

/** One thing a function may reach. */
export type FunctionAccess = CoreAccess | GovernanceAccess | AgentAccess;

/** Every model access, for ports any agent's model satisfies. */
export const ANY_MODEL: readonly AgentAccess[] = MODEL_AGENTS.map((agent) => `model:${agent}` as const);

const governance: ReadonlySet<string> = new Set(GOVERNANCE_ACCESS);
const agents: ReadonlySet<string> = new Set(AGENT_ACCESS);

/** Which construct wires an access. */
export function wiringOf(access: FunctionAccess): 'core' | 'governance' | 'agents' {
  if (governance.has(access)) return 'governance';
  if (agents.has(access)) return 'agents';
  return 'core';
}
