import type { FunctionAccess } from './runtime/access';

/**
 * The catalogue of Lambda functions: one entry per handler module. The CDK stack deploys exactly these, and the
 * local runtime loads exactly these, so the two can never drift apart.
 */
export interface FunctionSpec {
  /** Stable PascalCase id: CDK construct id, and (for workflow steps) the ASL substitution `${<id>FunctionArn}`. */
  readonly id: string;
  /** Handler module relative to the project root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** Invoked by the state machine (gets a DefinitionSubstitution) or fronted by the API / EventBridge. */
  readonly role: 'workflow' | 'api' | 'event';
  /**
   * Everything the function may reach (see {@link FunctionAccess}): the stack grants exactly this and sets the
   * variables that address it. Least privilege: list an access only when the handler's ports need it.
   */
  readonly access: readonly FunctionAccess[];
  /** For `api` functions: the API Gateway routes (proxy integration) it serves, locally and in AWS. */
  readonly routes?: readonly ApiRoute[];
}

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Resource path with `{param}` placeholders, as in API Gateway. */
  readonly path: string;
  /**
   * `signature`: public, the handler verifies the source's signature (webhooks). `iam`: SigV4-signed callers in AWS.
   * `token`: public, the handler verifies a single-use signed token (approval links).
   */
  readonly auth: 'signature' | 'iam' | 'token';
}

export const functionCatalogue: readonly FunctionSpec[] = [
  {
    id: 'WebhookIntake',
    entry: 'lambdas/intake/webhook-handler.ts',
    description: 'Verifies, normalizes, stores and starts workflows for ITSM and monitoring webhooks',
    role: 'api',
    access: [
      'readWriteIncidents',
      'startWorkflows',
      'archiveDeliveries',
      'readWebhookSecrets',
      'appendAudit',
      'manageTimers',
    ],
    routes: [{ method: 'POST', path: '/webhooks/{source}', auth: 'signature' }],
  },
  {
    id: 'AlarmIntake',
    entry: 'lambdas/intake/event-handler.ts',
    description: 'Turns EventBridge events (CloudWatch alarm state changes) into incidents',
    role: 'event',
    access: ['readWriteIncidents', 'startWorkflows', 'archiveDeliveries', 'appendAudit', 'manageTimers'],
  },
  {
    id: 'IncidentApi',
    entry: 'lambdas/api/incident-api-handler.ts',
    description: 'Read API for incidents and knowledge search',
    role: 'api',
    access: ['readIncidents', 'knowledgeSearch', 'embeddingModel'],
    routes: [
      { method: 'GET', path: '/incidents', auth: 'iam' },
      { method: 'GET', path: '/incidents/{incidentId}', auth: 'iam' },
      { method: 'GET', path: '/knowledge/search', auth: 'iam' },
    ],
  },
  {
    id: 'MetricsApi',
    entry: 'lambdas/api/metrics-api-handler.ts',
    description: 'Outcome metrics (MTTA, MTTR, rates) by AI and human handling; publishes them as EMF on a schedule',
    role: 'api',
    access: ['readIncidents'],
    routes: [{ method: 'GET', path: '/metrics/summary', auth: 'iam' }],
  },
  {
    id: 'Triage',
    entry: 'lambdas/agents/triage/handler.ts',
    description: 'Triage agent: priority, category, assignment group, confidence',
    role: 'workflow',
    access: ['readWriteIncidents', 'triageModel', 'serviceMap', 'policyBundle', 'appendAudit', 'model:triage'],
  },
  {
    id: 'Knowledge',
    entry: 'lambdas/agents/knowledge/handler.ts',
    description: 'Knowledge agent: hybrid retrieval of runbooks and articles',
    memorySize: 1024,
    role: 'workflow',
    access: ['readWriteIncidents', 'embeddingModel', 'appendAudit', 'model:knowledge', 'knowledgeSearch'],
  },
  {
    id: 'Plan',
    entry: 'lambdas/workflow/plan/handler.ts',
    description: 'Plans the response and decides whether a person must approve it',
    role: 'workflow',
    access: [
      'readWriteIncidents',
      'planModel',
      'approvalPolicy',
      'policyBundle',
      'appendAudit',
      'manageTimers',
      'runbookExecution',
    ],
  },
  {
    id: 'RequestApproval',
    entry: 'lambdas/workflow/request-approval/handler.ts',
    description: 'Stores an approval request with its callback token and notifies the approvers',
    role: 'workflow',
    access: [
      'readWriteIncidents',
      'publishNotifications',
      'policyBundle',
      'appendAudit',
      'manageTimers',
      'approvalLinks',
      'linksBaseUrl',
    ],
  },
  {
    id: 'ExecutePlan',
    entry: 'lambdas/workflow/execute-plan/handler.ts',
    description: 'Carries out the approved plan',
    role: 'workflow',
    access: [
      'readWriteIncidents',
      'publishNotifications',
      'writeTickets',
      'policyBundle',
      'appendAudit',
      'runbookExecution',
    ],
  },
  {
    id: 'VerifyRecovery',
    entry: 'lambdas/workflow/verify-recovery/handler.ts',
    description: "One poll of the recovery check after a remediation: post-checks, the alarm's resolved signal, health",
    timeoutSeconds: 120,
    role: 'workflow',
    access: ['readWriteIncidents', 'policyBundle', 'appendAudit', 'runbookExecution'],
  },
  {
    id: 'Postmortem',
    entry: 'lambdas/workflow/postmortem/handler.ts',
    description: "A closed incident's postmortem draft on its ticket, and a draft knowledge article for a new fix",
    timeoutSeconds: 90,
    role: 'workflow',
    access: ['readWriteIncidents', 'writeTickets', 'appendAudit'],
  },
  {
    id: 'Escalate',
    entry: 'lambdas/workflow/escalate/handler.ts',
    description: 'Escalates an incident whose human gate timed out',
    role: 'workflow',
    access: ['readWriteIncidents', 'publishNotifications', 'policyBundle', 'appendAudit', 'manageTimers'],
  },
  {
    id: 'RecordOutcome',
    entry: 'lambdas/workflow/record-outcome/handler.ts',
    description: 'Records the final outcome of the workflow on the incident',
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'FlagForHuman',
    entry: 'lambdas/workflow/flag-for-human/handler.ts',
    description: 'Flags an incident for a person when an agent failed for good',
    role: 'workflow',
    access: ['readWriteIncidents', 'publishNotifications'],
  },
  {
    id: 'ApprovalApi',
    entry: 'lambdas/governance/approvals/approval-api-handler.ts',
    description: 'Approval requests: list, review through a link, and decide (single-use signed link tokens)',
    role: 'api',
    access: [
      'readWriteIncidents',
      'publishNotifications',
      'policyBundle',
      'appendAudit',
      'manageTimers',
      'taskCallbacks',
      'approvalLinks',
    ],
    routes: [
      { method: 'GET', path: '/approvals', auth: 'iam' },
      { method: 'GET', path: '/approvals/{approvalId}', auth: 'token' },
      { method: 'POST', path: '/approvals/{approvalId}/decision', auth: 'token' },
    ],
  },
  {
    id: 'SlaApi',
    entry: 'lambdas/governance/sla/sla-api-handler.ts',
    description: 'SLA clocks: show, pause while waiting on the customer, resume',
    role: 'api',
    access: ['readWriteIncidents', 'policyBundle', 'appendAudit', 'manageTimers'],
    routes: [
      { method: 'GET', path: '/incidents/{incidentId}/sla', auth: 'iam' },
      { method: 'POST', path: '/incidents/{incidentId}/sla/pause', auth: 'iam' },
      { method: 'POST', path: '/incidents/{incidentId}/sla/resume', auth: 'iam' },
    ],
  },
  {
    id: 'AuditApi',
    entry: 'lambdas/governance/audit/audit-api-handler.ts',
    description: "An incident's hash-chained audit trail and its verification",
    role: 'api',
    access: ['readIncidents', 'readAudit', 'readAuditExport'],
    routes: [
      { method: 'GET', path: '/incidents/{incidentId}/audit', auth: 'iam' },
      { method: 'GET', path: '/incidents/{incidentId}/audit/verify', auth: 'iam' },
    ],
  },
  {
    id: 'GovernanceTimer',
    entry: 'lambdas/governance/timers/governance-timer-handler.ts',
    description: 'Fires governance timers: SLA checks and the approval timer (heartbeat, reminder, fallback, expiry)',
    role: 'event',
    access: [
      'readWriteIncidents',
      'publishNotifications',
      'approvalPolicy',
      'policyBundle',
      'appendAudit',
      'manageTimers',
      'taskCallbacks',
      'approvalLinks',
      'linksBaseUrl',
    ],
  },
  {
    id: 'AuditExport',
    entry: 'lambdas/governance/audit/audit-export-handler.ts',
    description: 'Copies every new audit record to the Object Lock bucket (DynamoDB stream consumer)',
    role: 'event',
    access: ['exportAudit'],
  },
  {
    id: 'Sentiment',
    entry: 'lambdas/agents/sentiment/handler.ts',
    description: 'Sentiment agent: score and trend over the ticket comments; escalation flag when it sours',
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit', 'model:sentiment', 'sentimentSettings'],
  },
  {
    id: 'LogAnalysis',
    entry: 'lambdas/agents/log-analysis/handler.ts',
    description: 'Log-analysis agent: log templates, new and spiking errors, stack traces of the affected service',
    memorySize: 1024,
    timeoutSeconds: 60,
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit', 'model:log-analysis', 'logsInsights'],
  },
  {
    id: 'Dependency',
    entry: 'lambdas/agents/dependency/handler.ts',
    description: 'Dependency agent: blast radius, recent changes on the path, ranked suspects',
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'KnowledgeSync',
    entry: 'lambdas/agents/knowledge-sync/handler.ts',
    description: 'Scheduled, incremental sync of knowledge sources (markdown, S3, ServiceNow) into the search index',
    memorySize: 1024,
    timeoutSeconds: 900,
    role: 'event',
    access: ['writeKnowledge', 'readKnowledgeArticles', 'embeddingModel', 'servicenowKnowledge'],
  },
  {
    id: 'Diagnose',
    entry: 'lambdas/agents/diagnosis/handler.ts',
    description: 'Diagnosis agent: ranked root-cause hypotheses (component, failure mode, confidence, cited evidence)',
    memorySize: 1024,
    timeoutSeconds: 90,
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit', 'model:diagnosis', 'logsInsights'],
  },
  {
    id: 'EscalationRouting',
    entry: 'lambdas/agents/escalation-routing/handler.ts',
    description: 'Escalation routing agent: the team by skills, on-call schedule and workload, with a summary for them',
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'FirstResponse',
    entry: 'lambdas/workflow/first-response/handler.ts',
    description: 'Writes the first response (triage, top knowledge, next steps) to the ticket, exactly once',
    timeoutSeconds: 90,
    role: 'workflow',
    access: ['readWriteIncidents', 'writeTickets', 'policyBundle', 'appendAudit'],
  },
  {
    id: 'Fulfilment',
    entry: 'lambdas/agents/fulfilment/handler.ts',
    description: 'Request fulfilment agent: service catalogue items fulfilled by their runbooks under the policy',
    timeoutSeconds: 300,
    role: 'workflow',
    access: ['readWriteIncidents', 'policyBundle', 'appendAudit', 'runbookExecution'],
  },
  {
    id: 'Handoff',
    entry: 'lambdas/agents/handoff/handler.ts',
    description: 'Human handoff agent: the packet a person takes over with, routed to the team on duty',
    role: 'workflow',
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'WriteBack',
    entry: 'lambdas/workflow/write-back/handler.ts',
    description: "Writes the workflow's outcome (handoff packet, fulfilment, progress) to the ticket, exactly once",
    timeoutSeconds: 90,
    role: 'workflow',
    access: ['readWriteIncidents', 'writeTickets', 'policyBundle', 'appendAudit'],
  },
];

/** ASL DefinitionSubstitutions key for a workflow function. */
export const substitutionKey = (spec: FunctionSpec): string => `${spec.id}FunctionArn`;
