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
  /** For `workflow` functions: the names of the step, declared here once; code and tests derive them from here. */
  readonly step?: StepNames;
}

/**
 * The names of one workflow step besides its id. They appear in documented formats (incident JSON served over HTTP,
 * audit records already written, execution histories), so they keep their historical spelling where it differs
 * from the id: `Route` runs `EscalationRouting`, whose result is `agents.routing`.
 */
export interface StepNames {
  /** The ASL Task state that invokes the function (checked by `test/statemachine/incident-definition.test.ts`). */
  readonly state: string;
  /**
   * For agent steps ({@link agentStep}): the result key, `incident.agents.<agent>`, which is also the actor of its
   * timeline entries and, as `agent:<agent>`, of its audit records.
   */
  readonly agent?: string;
  /** For other steps that act under one name of their own: the actor of their timeline entries and audit records. */
  readonly actor?: string;
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

const entries = [
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
    id: 'KnowledgeDraftsApi',
    entry: 'lambdas/api/knowledge-drafts-api-handler.ts',
    description: 'Draft knowledge articles from verified fixes: list, read, and approve by a person',
    role: 'api',
    access: ['knowledgeDrafts', 'appendAudit', 'policyBundle'],
    routes: [
      { method: 'GET', path: '/knowledge/drafts', auth: 'iam' },
      { method: 'GET', path: '/knowledge/drafts/{draftId}', auth: 'iam' },
      { method: 'POST', path: '/knowledge/drafts/{draftId}/approve', auth: 'iam' },
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
    step: { state: 'Triage', agent: 'triage' },
    access: ['readWriteIncidents', 'triageModel', 'serviceMap', 'policyBundle', 'appendAudit', 'model:triage'],
  },
  {
    id: 'Knowledge',
    entry: 'lambdas/agents/knowledge/handler.ts',
    description: 'Knowledge agent: hybrid retrieval of runbooks and articles',
    memorySize: 1024,
    role: 'workflow',
    step: { state: 'Knowledge', agent: 'knowledge' },
    access: ['readWriteIncidents', 'embeddingModel', 'appendAudit', 'model:knowledge', 'knowledgeSearch'],
  },
  {
    id: 'Plan',
    entry: 'lambdas/workflow/plan/handler.ts',
    description: 'Plans the response and decides whether a person must approve it',
    role: 'workflow',
    step: { state: 'Plan', actor: 'planner' },
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
    step: { state: 'HumanGate' },
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
    step: { state: 'ExecutePlan', actor: 'executor' },
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
    step: { state: 'VerifyRecovery', actor: 'verifier' },
    access: ['readWriteIncidents', 'policyBundle', 'appendAudit', 'runbookExecution'],
  },
  {
    id: 'Postmortem',
    entry: 'lambdas/workflow/postmortem/handler.ts',
    description: "A closed incident's postmortem draft on its ticket, and a draft knowledge article for a new fix",
    timeoutSeconds: 90,
    role: 'workflow',
    step: { state: 'Postmortem', actor: 'postmortem' },
    access: [
      'readWriteIncidents',
      'writeTickets',
      'appendAudit',
      'knowledgeDrafts',
      'knowledgeSearch',
      'embeddingModel',
    ],
  },
  {
    id: 'Escalate',
    entry: 'lambdas/workflow/escalate/handler.ts',
    description: 'Escalates an incident whose human gate timed out',
    role: 'workflow',
    step: { state: 'Escalate' },
    access: ['readWriteIncidents', 'publishNotifications', 'policyBundle', 'appendAudit', 'manageTimers'],
  },
  {
    id: 'RecordOutcome',
    entry: 'lambdas/workflow/record-outcome/handler.ts',
    description: 'Records the final outcome of the workflow on the incident',
    role: 'workflow',
    step: { state: 'RecordOutcome' },
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'FlagForHuman',
    entry: 'lambdas/workflow/flag-for-human/handler.ts',
    description: 'Flags an incident for a person when an agent failed for good',
    role: 'workflow',
    step: { state: 'FlagForHuman' },
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
    step: { state: 'Sentiment', agent: 'sentiment' },
    access: ['readWriteIncidents', 'appendAudit', 'model:sentiment', 'sentimentSettings'],
  },
  {
    id: 'LogAnalysis',
    entry: 'lambdas/agents/log-analysis/handler.ts',
    description: 'Log-analysis agent: log templates, new and spiking errors, stack traces of the affected service',
    memorySize: 1024,
    timeoutSeconds: 60,
    role: 'workflow',
    step: { state: 'LogAnalysis', agent: 'log-analysis' },
    access: ['readWriteIncidents', 'appendAudit', 'model:log-analysis', 'logsInsights'],
  },
  {
    id: 'Dependency',
    entry: 'lambdas/agents/dependency/handler.ts',
    description: 'Dependency agent: blast radius, recent changes on the path, ranked suspects',
    role: 'workflow',
    step: { state: 'Dependency', agent: 'dependency' },
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
    step: { state: 'Diagnose', agent: 'diagnosis' },
    access: ['readWriteIncidents', 'appendAudit', 'model:diagnosis', 'logsInsights'],
  },
  {
    id: 'EscalationRouting',
    entry: 'lambdas/agents/escalation-routing/handler.ts',
    description: 'Escalation routing agent: the team by skills, on-call schedule and workload, with a summary for them',
    role: 'workflow',
    step: { state: 'Route', agent: 'routing' },
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'FirstResponse',
    entry: 'lambdas/workflow/first-response/handler.ts',
    description: 'Writes the first response (triage, top knowledge, next steps) to the ticket, exactly once',
    timeoutSeconds: 90,
    role: 'workflow',
    step: { state: 'FirstResponse' },
    access: ['readWriteIncidents', 'writeTickets', 'policyBundle', 'appendAudit'],
  },
  {
    id: 'Fulfilment',
    entry: 'lambdas/agents/fulfilment/handler.ts',
    description: 'Request fulfilment agent: service catalogue items fulfilled by their runbooks under the policy',
    timeoutSeconds: 300,
    role: 'workflow',
    step: { state: 'Fulfil', agent: 'fulfilment' },
    access: ['readWriteIncidents', 'policyBundle', 'appendAudit', 'runbookExecution'],
  },
  {
    id: 'Handoff',
    entry: 'lambdas/agents/handoff/handler.ts',
    description: 'Human handoff agent: the packet a person takes over with, routed to the team on duty',
    role: 'workflow',
    step: { state: 'Handoff', agent: 'handoff' },
    access: ['readWriteIncidents', 'appendAudit'],
  },
  {
    id: 'WriteBack',
    entry: 'lambdas/workflow/write-back/handler.ts',
    description: "Writes the workflow's outcome (handoff packet, fulfilment, progress) to the ticket, exactly once",
    timeoutSeconds: 90,
    role: 'workflow',
    step: { state: 'WriteBack' },
    access: ['readWriteIncidents', 'writeTickets', 'policyBundle', 'appendAudit'],
  },
] as const satisfies readonly FunctionSpec[];

/** The functions Lumos deploys (and runs locally), one entry per handler module. */
export const functionCatalogue: readonly FunctionSpec[] = entries;

/** The id of a workflow step: a catalogue entry with role `workflow`. */
export type WorkflowStepId = Extract<(typeof entries)[number], { role: 'workflow' }>['id'];

/** The id of an agent step: a workflow step whose results live under `incident.agents`. */
export type AgentStepId = Extract<(typeof entries)[number], { step: { agent: string } }>['id'];

/** The workflow steps, in catalogue order. */
export const workflowSteps = (): readonly (FunctionSpec & {
  readonly id: WorkflowStepId;
  readonly step: StepNames;
})[] =>
  functionCatalogue.filter(
    (spec): spec is FunctionSpec & { id: WorkflowStepId; step: StepNames } =>
      spec.role === 'workflow' && spec.step !== undefined,
  );

/** The names of the workflow step `id`. */
export function stepNames(id: WorkflowStepId): StepNames {
  const found = functionCatalogue.find((spec) => spec.id === id)?.step;
  if (!found) throw new Error(`no workflow step ${id} in the function catalogue`);
  return found;
}

/** The agent name of the agent step `id`: its result key under `incident.agents`, and its actor. */
export function agentName(id: AgentStepId): string {
  const agent = stepNames(id).agent;
  if (!agent) throw new Error(`workflow step ${id} is not an agent step`);
  return agent;
}

/** The actor of the workflow step `id` on the timeline; its audit records name it `agent:<actor>`. */
export function stepActor(id: WorkflowStepId): string {
  const names = stepNames(id);
  const actor = names.agent ?? names.actor;
  if (!actor) throw new Error(`workflow step ${id} acts under no name of its own`);
  return actor;
}

/** ASL DefinitionSubstitutions key for a workflow function. */
export const substitutionKey = (spec: Pick<FunctionSpec, 'id'>): string => `${spec.id}FunctionArn`;
