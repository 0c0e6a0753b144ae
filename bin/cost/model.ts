/**
 * The cost model: a stage's monthly AWS bill from a volume, the usage measured per incident and list prices. Pure:
 * every input is passed in, nothing is read or written here.
 */
import { stepActor } from '../../lambdas/function-catalogue';
import type { StageName } from '../../lib/config/stage-config';

/** List prices (`pricing/aws-list-prices.json`); only the fields the estimate reads. */
export interface Prices {
  region: string;
  currency: string;
  asOf: string;
  lambda: { perGbSecondArm64: number; perMillionRequests: number };
  stepFunctions: { perThousandStateTransitions: number };
  dynamodb: {
    perMillionWriteRequestUnits: number;
    perMillionReadRequestUnits: number;
    perGbMonthStorage: number;
    perGbMonthPointInTimeRecovery: number;
  };
  apiGateway: { perMillionRestRequests: number };
  bedrock: { models: Record<string, { perThousandInputTokens: number; perThousandOutputTokens: number }> };
  opensearchServerless: { perOcuHour: number; perGbMonthStorage: number };
  cloudwatch: {
    perGbLogsIngested: number;
    perGbMonthLogsStored: number;
    perCustomMetricMonth: number;
    perDashboardMonth: number;
    perStandardAlarmMonth: number;
  };
  xray: { perMillionTracesRecorded: number };
  s3: { perGbMonthStandard: number; perThousandPutRequests: number; perThousandGetRequests: number };
  sqs: { perMillionRequests: number };
  sns: { perMillionPublishes: number; perThousandEmailDeliveries: number };
  eventBridge: { perMillionCustomEvents: number; perMillionSchedulerInvocations: number };
  kms: { perKeyMonth: number; perTenThousandRequests: number };
  secretsManager: { perSecretMonth: number; perTenThousandApiCalls: number };
  cloudFront: { perGbTransferOut: number; perTenThousandHttpsRequests: number };
}

/** What a stage runs regardless of volume (`pricing/stage-assumptions.json`). */
export interface StageAssumptions {
  opensearchOcus: number;
  opensearchStorageGb: number;
  logBytesPerInvocation: number;
  logRetentionMonths: number;
  xraySampledShare: number;
  kmsKeys: number;
  secrets: number;
  dashboards: number;
  incidentItemKb: number;
  rawDeliveryKb: number;
  rawRetentionMonths: number;
  consoleViewsPerIncident: number;
  consoleOperators: number;
}

/** Usage of one thing (an incident's whole life, or one more correlated signal), as measured. */
export interface Usage {
  stateTransitions: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  dynamodbReadUnits: number;
  dynamodbWriteUnits: number;
  /** Model tokens by agent. */
  llmTokens: Record<string, { input: number; output: number }>;
  embeddingTokens: number;
  /** Messages by channel (`email`, `slack`, `page`, `itsm`, `approval`, ...). */
  notifications: Record<string, number>;
  timersScheduled: number;
  s3Puts: number;
  apiRequests: number;
}

/** `pricing/usage-profile.json`, written by `--measure`. */
export interface UsageProfile {
  measuredAt: string;
  method: string;
  sample: { tickets: number; alerts: number; correlatedSignals: number };
  incident: { ticket: Usage; alert: Usage };
  correlatedSignal: Usage;
}

export interface Volume {
  /** Tickets per month (ServiceNow, Jira, Zendesk): each one an incident. */
  tickets: number;
  /** Alert signals per month (CloudWatch, Alertmanager, Grafana, PagerDuty). */
  alerts: number;
  /** Alert signals that end up in one incident (correlation); the rest join an open incident. */
  alertsPerIncident: number;
}

export interface LineItem {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  monthly: number;
}

export interface Estimate {
  stage: StageName;
  volume: Volume;
  incidents: { tickets: number; alerts: number; correlatedSignals: number };
  lines: LineItem[];
  total: number;
  perIncident: number;
  byService: Record<string, number>;
  assumptions: string[];
}

const MB = 1024 * 1024;

export function scale(usage: Usage, factor: number): Usage {
  const tokens: Usage['llmTokens'] = {};
  for (const [agent, t] of Object.entries(usage.llmTokens))
    tokens[agent] = { input: t.input * factor, output: t.output * factor };
  const notifications: Usage['notifications'] = {};
  for (const [channel, n] of Object.entries(usage.notifications)) notifications[channel] = n * factor;
  return {
    stateTransitions: usage.stateTransitions * factor,
    lambdaInvocations: usage.lambdaInvocations * factor,
    lambdaGbSeconds: usage.lambdaGbSeconds * factor,
    dynamodbReadUnits: usage.dynamodbReadUnits * factor,
    dynamodbWriteUnits: usage.dynamodbWriteUnits * factor,
    llmTokens: tokens,
    embeddingTokens: usage.embeddingTokens * factor,
    notifications,
    timersScheduled: usage.timersScheduled * factor,
    s3Puts: usage.s3Puts * factor,
    apiRequests: usage.apiRequests * factor,
  };
}

function add(a: Usage, b: Usage): Usage {
  const tokens = { ...a.llmTokens };
  for (const [agent, t] of Object.entries(b.llmTokens)) {
    tokens[agent] = { input: (tokens[agent]?.input ?? 0) + t.input, output: (tokens[agent]?.output ?? 0) + t.output };
  }
  const notifications = { ...a.notifications };
  for (const [channel, n] of Object.entries(b.notifications))
    notifications[channel] = (notifications[channel] ?? 0) + n;
  return {
    stateTransitions: a.stateTransitions + b.stateTransitions,
    lambdaInvocations: a.lambdaInvocations + b.lambdaInvocations,
    lambdaGbSeconds: a.lambdaGbSeconds + b.lambdaGbSeconds,
    dynamodbReadUnits: a.dynamodbReadUnits + b.dynamodbReadUnits,
    dynamodbWriteUnits: a.dynamodbWriteUnits + b.dynamodbWriteUnits,
    llmTokens: tokens,
    embeddingTokens: a.embeddingTokens + b.embeddingTokens,
    notifications,
    timersScheduled: a.timersScheduled + b.timersScheduled,
    s3Puts: a.s3Puts + b.s3Puts,
    apiRequests: a.apiRequests + b.apiRequests,
  };
}

/** Which Bedrock model an agent's tokens are billed at: the stage config names the triage and plan models. */
export function modelOfAgent(agent: string, models: { triage: string; plan: string }): string {
  return agent === stepActor('Plan') ? models.plan : models.triage;
}

/**
 * The monthly estimate: measured usage per incident times the month's incidents, plus what the stage runs
 * whatever the volume (OpenSearch capacity, dashboards, alarms, keys, secrets, storage). Pure: same inputs, same bill.
 */
export function estimateMonthlyCost(input: {
  stage: StageName;
  volume: Volume;
  prices: Prices;
  assumptions: StageAssumptions;
  usage: UsageProfile;
  models: { triage: string; plan: string; knowledgeEmbedding: string };
  hoursPerMonth?: number;
  /** Custom metrics the stage publishes (outcome metrics x HandledBy values) and alarms it keeps. */
  monitoring?: { customMetrics: number; alarms: number };
}): Estimate {
  const { volume, prices, assumptions: a, usage } = input;
  const hours = input.hoursPerMonth ?? 730;
  const alertIncidents = volume.alertsPerIncident > 0 ? volume.alerts / volume.alertsPerIncident : volume.alerts;
  const correlated = Math.max(0, volume.alerts - alertIncidents);
  const incidents = volume.tickets + alertIncidents;
  const total = [
    scale(usage.incident.ticket, volume.tickets),
    scale(usage.incident.alert, alertIncidents),
    scale(usage.correlatedSignal, correlated),
  ].reduce(add);
  const consoleRequests = incidents * a.consoleViewsPerIncident;
  const apiRequests = total.apiRequests + consoleRequests;
  // The outcome-metrics publisher runs every 5 minutes whatever the volume.
  const metricsPublishes = hours * 12;
  const invocations = total.lambdaInvocations + consoleRequests + total.timersScheduled + metricsPublishes;
  const monitoring = input.monitoring ?? { customMetrics: 24, alarms: 30 };

  const lines: LineItem[] = [];
  const line = (service: string, item: string, quantity: number, unit: string, unitPrice: number, per = 1) =>
    lines.push({ service, item, quantity, unit, unitPrice, monthly: (quantity / per) * unitPrice });

  line(
    'Step Functions',
    'state transitions',
    total.stateTransitions,
    'transitions',
    prices.stepFunctions.perThousandStateTransitions,
    1000,
  );
  line('Lambda', 'requests', invocations, 'requests', prices.lambda.perMillionRequests, 1e6);
  // Timer and console invocations are short (0.1 s at 512 MB); a metrics run reads the month's incidents (1 s).
  line(
    'Lambda',
    'compute (arm64)',
    total.lambdaGbSeconds + (consoleRequests + total.timersScheduled) * 0.05 + metricsPublishes * 0.5,
    'GB-s',
    prices.lambda.perGbSecondArm64,
  );
  line(
    'DynamoDB',
    'write request units',
    total.dynamodbWriteUnits,
    'WRU',
    prices.dynamodb.perMillionWriteRequestUnits,
    1e6,
  );
  line(
    'DynamoDB',
    'read request units',
    total.dynamodbReadUnits + consoleRequests * 2,
    'RRU',
    prices.dynamodb.perMillionReadRequestUnits,
    1e6,
  );
  // Incidents kept a year on average: storage grows; the month's average is half a year of incidents.
  const storedGb = (incidents * 6 * a.incidentItemKb) / MB;
  line('DynamoDB', 'storage (about 6 months of incidents)', storedGb, 'GB-month', prices.dynamodb.perGbMonthStorage);
  line('DynamoDB', 'point-in-time recovery', storedGb, 'GB-month', prices.dynamodb.perGbMonthPointInTimeRecovery);
  line(
    'API Gateway',
    'REST requests (webhooks, console)',
    apiRequests,
    'requests',
    prices.apiGateway.perMillionRestRequests,
    1e6,
  );
  for (const [agent, tokens] of Object.entries(total.llmTokens)) {
    const model = modelOfAgent(agent, input.models);
    const price = prices.bedrock.models[model];
    if (!price) throw new Error(`no Bedrock price for ${model} in pricing/aws-list-prices.json`);
    line('Bedrock', `${agent}: input tokens (${model})`, tokens.input, 'tokens', price.perThousandInputTokens, 1000);
    line('Bedrock', `${agent}: output tokens (${model})`, tokens.output, 'tokens', price.perThousandOutputTokens, 1000);
  }
  const embedding = prices.bedrock.models[input.models.knowledgeEmbedding];
  if (embedding) {
    line(
      'Bedrock',
      `embeddings (${input.models.knowledgeEmbedding})`,
      total.embeddingTokens,
      'tokens',
      embedding.perThousandInputTokens,
      1000,
    );
  }
  line(
    'OpenSearch Serverless',
    `${a.opensearchOcus} OCU floor, all month`,
    a.opensearchOcus * hours,
    'OCU-hours',
    prices.opensearchServerless.perOcuHour,
  );
  line(
    'OpenSearch Serverless',
    'index storage',
    a.opensearchStorageGb,
    'GB-month',
    prices.opensearchServerless.perGbMonthStorage,
  );
  const logGb = (invocations * a.logBytesPerInvocation) / (1024 * MB);
  line('CloudWatch', 'logs ingested', logGb, 'GB', prices.cloudwatch.perGbLogsIngested);
  line(
    'CloudWatch',
    `logs stored (${a.logRetentionMonths} months retention)`,
    logGb * a.logRetentionMonths,
    'GB-month',
    prices.cloudwatch.perGbMonthLogsStored,
  );
  line(
    'CloudWatch',
    'custom metrics (outcome EMF)',
    monitoring.customMetrics,
    'metrics',
    prices.cloudwatch.perCustomMetricMonth,
  );
  line('CloudWatch', 'dashboards', a.dashboards, 'dashboards', prices.cloudwatch.perDashboardMonth);
  line('CloudWatch', 'alarms', monitoring.alarms, 'alarms', prices.cloudwatch.perStandardAlarmMonth);
  line(
    'X-Ray',
    `traces (${Math.round(a.xraySampledShare * 100)} % sampled)`,
    (invocations / 3) * a.xraySampledShare,
    'traces',
    prices.xray.perMillionTracesRecorded,
    1e6,
  );
  const deliveries = volume.tickets + volume.alerts;
  line('S3', 'raw deliveries archived (PUT)', total.s3Puts, 'requests', prices.s3.perThousandPutRequests, 1000);
  line(
    'S3',
    'raw archive and audit export storage',
    (deliveries * a.rawRetentionMonths * a.rawDeliveryKb) / MB,
    'GB-month',
    prices.s3.perGbMonthStandard,
  );
  const published = Object.values(total.notifications).reduce((sum, n) => sum + n, 0);
  line('SNS', 'notifications published', published, 'publishes', prices.sns.perMillionPublishes, 1e6);
  line(
    'SNS',
    'e-mail deliveries (approval links)',
    (total.notifications.approval ?? 0) + (total.notifications.email ?? 0),
    'e-mails',
    prices.sns.perThousandEmailDeliveries,
    1000,
  );
  line('EventBridge', 'alarm events', volume.alerts, 'events', prices.eventBridge.perMillionCustomEvents, 1e6);
  line(
    'EventBridge',
    'scheduler (SLA and approval timers)',
    total.timersScheduled,
    'invocations',
    prices.eventBridge.perMillionSchedulerInvocations,
    1e6,
  );
  line(
    'SQS',
    'dead-letter queues (idle: requests from polling alarms only)',
    0,
    'requests',
    prices.sqs.perMillionRequests,
    1e6,
  );
  line('KMS', 'customer managed keys', a.kmsKeys, 'keys', prices.kms.perKeyMonth);
  line(
    'KMS',
    'requests (log and topic encryption)',
    invocations * 0.2,
    'requests',
    prices.kms.perTenThousandRequests,
    10_000,
  );
  line(
    'Secrets Manager',
    'secrets (webhook secrets, approval-link keys)',
    a.secrets,
    'secrets',
    prices.secretsManager.perSecretMonth,
  );
  line(
    'Secrets Manager',
    'API calls (cached per container)',
    deliveries * 0.05,
    'calls',
    prices.secretsManager.perTenThousandApiCalls,
    10_000,
  );
  line(
    'CloudFront',
    'console requests',
    consoleRequests * 3,
    'requests',
    prices.cloudFront.perTenThousandHttpsRequests,
    10_000,
  );
  line(
    'CloudFront',
    'console transfer',
    (a.consoleOperators * 30 * 0.1) / 1024,
    'GB',
    prices.cloudFront.perGbTransferOut,
  );

  const byService: Record<string, number> = {};
  for (const l of lines) byService[l.service] = (byService[l.service] ?? 0) + l.monthly;
  const sum = lines.reduce((s, l) => s + l.monthly, 0);
  const assumptions = [
    `${prices.region} on-demand list prices as of ${prices.asOf} (pricing/aws-list-prices.json), no free tier, no discounts.`,
    `Usage per incident measured on the local runtime (${usage.method}, ${usage.measuredAt}; ${usage.sample.tickets} tickets, ${usage.sample.alerts} alerts, ${usage.sample.correlatedSignals} correlated signals).`,
    `${volume.alerts} alert signals at ${volume.alertsPerIncident} per incident = ${Math.round(alertIncidents)} alert incidents; ${Math.round(correlated)} signals join an open incident.`,
    `Bedrock: triage and other agents at ${input.models.triage}, planning at ${input.models.plan}, embeddings at ${input.models.knowledgeEmbedding} (stage config).`,
    `OpenSearch Serverless keeps ${a.opensearchOcus} OCU(s) all month (${hours} h): a floor that does not shrink with volume.`,
    `${a.consoleViewsPerIncident} console API reads per incident, ${a.consoleOperators} operators; logs ${a.logBytesPerInvocation} bytes per invocation kept ${a.logRetentionMonths} months; X-Ray samples ${Math.round(a.xraySampledShare * 100)} %.`,
    `Governance timers (SLA checks, approval heartbeats) each fire once; measured schedules per incident: ticket ${usage.incident.ticket.timersScheduled.toFixed(1)}, alert ${usage.incident.alert.timersScheduled.toFixed(1)}.`,
    'Not included: data transfer between services, Bedrock guardrails, support plans, taxes.',
  ];
  return {
    stage: input.stage,
    volume,
    incidents: { tickets: volume.tickets, alerts: alertIncidents, correlatedSignals: correlated },
    lines,
    total: sum,
    perIncident: incidents > 0 ? sum / incidents : 0,
    byService,
    assumptions,
  };
}

/**
 * Metric series the outcome publisher creates: 7 metrics split by HandledBy (ai, human), approval latency for
 * people only, and 4 unattributed gauges and counts.
 */
export const OUTCOME_CUSTOM_METRICS = 7 * 2 + 1 + 4;
