/**
 * `npm run cost`: estimates one stage's monthly AWS bill for a ticket and alert volume, from the usage Lumos
 * measured per incident (`pricing/usage-profile.json`) and list prices kept as data (`pricing/aws-list-prices.json`,
 * `pricing/stage-assumptions.json`). `npm run cost -- --measure` re-measures the usage on the local runtime.
 *
 *   npm run cost -- --stage prod --tickets 3000 --alerts 20000
 *   npm run cost -- --stage dev --tickets 200 --alerts 1000 --json
 *   npm run cost -- --measure --sample 4
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { functionCatalogue, stepActor } from '../lambdas/function-catalogue';
import { loadStageConfig, STAGE_NAMES, type StageName } from '../lib/config/stage-config';

const ROOT = resolve(__dirname, '..');
const PRICING = join(ROOT, 'pricing');

// ---------------------------------------------------------------------------------------------------------------
// Data

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

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

// ---------------------------------------------------------------------------------------------------------------
// Estimate

const MB = 1024 * 1024;

function scale(usage: Usage, factor: number): Usage {
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

// ---------------------------------------------------------------------------------------------------------------
// Rendering

const money = (n: number) => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);
const qty = (n: number) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)} M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(1)} k`
      : n >= 10
        ? n.toFixed(0)
        : n.toFixed(3);

/** The estimate as a plain-text report: by service, then each line, then the assumptions. */
export function renderEstimate(estimate: Estimate): string {
  const out: string[] = [];
  const { incidents } = estimate;
  out.push(
    `Lumos ${estimate.stage}: estimated monthly AWS cost for ${estimate.volume.tickets} tickets and ${estimate.volume.alerts} alerts`,
    `(${Math.round(incidents.tickets + incidents.alerts)} incidents; ${money(estimate.perIncident)} per incident)`,
    '',
  );
  const services = Object.entries(estimate.byService).sort((a, b) => b[1] - a[1]);
  const width = Math.max(...services.map(([s]) => s.length));
  for (const [service, cost] of services) {
    const share = estimate.total > 0 ? (cost / estimate.total) * 100 : 0;
    out.push(`  ${service.padEnd(width)}  ${money(cost).padStart(9)}  ${share.toFixed(1).padStart(5)} %`);
  }
  out.push(`  ${'Total'.padEnd(width)}  ${money(estimate.total).padStart(9)}`, '', 'Line items');
  for (const l of estimate.lines) {
    if (l.quantity === 0 && l.monthly === 0) continue;
    out.push(`  ${money(l.monthly).padStart(9)}  ${l.service}: ${l.item} — ${qty(l.quantity)} ${l.unit}`);
  }
  out.push('', 'Assumptions');
  for (const a of estimate.assumptions) out.push(`  - ${a}`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring on the local runtime

/** State name -> catalogue function id, from the ASL's `${<Id>FunctionArn}` references (Parallel branches included). */
export function taskFunctions(asl: unknown): Map<string, { functionId: string; callback: boolean }> {
  const map = new Map<string, { functionId: string; callback: boolean }>();
  const walk = (states: Record<string, Record<string, unknown>>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        const text = JSON.stringify(state.Parameters ?? {}) + String(state.Resource ?? '');
        const id = /\$\{(\w+)FunctionArn\}/.exec(text)?.[1];
        if (id) map.set(name, { functionId: id, callback: String(state.Resource ?? '').includes('waitForTaskToken') });
      }
      for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[] | undefined) ?? [])
        walk(branch.States);
      const processor = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (processor) walk(processor.States);
    }
  };
  walk((asl as { States: Record<string, Record<string, unknown>> }).States);
  return map;
}

const emptyUsage = (): Usage => ({
  stateTransitions: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
  dynamodbReadUnits: 0,
  dynamodbWriteUnits: 0,
  llmTokens: {},
  embeddingTokens: 0,
  notifications: {},
  timersScheduled: 0,
  s3Puts: 0,
  apiRequests: 0,
});

/**
 * Metric series the outcome publisher creates: 7 metrics split by HandledBy (ai, human), approval latency for
 * people only, and 4 unattributed gauges and counts.
 */
const OUTCOME_CUSTOM_METRICS = 7 * 2 + 1 + 4;

/** Answer length assumed for model calls the local stand-in cannot answer (a structured tool call). */
const ASSUMED_ANSWER_TOKENS = 400;
/** The system prompt and the answer tool's schema, sent with every call but not part of the rendered user turn. */
const PROMPT_OVERHEAD_TOKENS = 500;

const READ_COMMANDS = /^(Get|Query|Scan|BatchGet|TransactGet)(Item)?Command$/;
const CAPACITY_COMMANDS =
  /^(Get|Put|Update|Delete|Query|Scan|BatchGet|BatchWrite|TransactGet|TransactWrite)(Item)?Command$/;

/**
 * Runs the local runtime in this process, sends sample tickets and alerts one at a time, approves what waits for
 * approval, and measures per incident: state transitions and Lambda time (Step Functions history), DynamoDB
 * request units (consumed capacity DynamoDB Local reports), model tokens (the local model renders the same
 * prompts), notifications, timers and archived deliveries. Writes pricing/usage-profile.json.
 */
async function measure(sample: number): Promise<UsageProfile> {
  // The local runtime loads ESM-only middy through this resolver (npm start preloads it the same way).
  require(join(ROOT, 'local', 'esm-only-packages.cjs'));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { createHmac } = await import('node:crypto');
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { SFNClient, DescribeExecutionCommand, GetExecutionHistoryCommand } = await import('@aws-sdk/client-sfn');
  const { HeuristicLanguageModel } = await import('../lambdas/adapters/local/heuristic-language-model');
  const { renderUserTurn } = await import('../lambdas/llm/untrusted-data');
  const { estimateTokens } = await import('../lambdas/llm/token-budget');
  const { OutboxNotifier } = await import('../lambdas/adapters/local/outbox-notifier');
  const { DynamoDbTimerTable } = await import('../lambdas/adapters/local/timer-table');
  const { FileRawArchive } = await import('../lambdas/adapters/local/file-raw-archive');
  const { loadLocalConfig } = await import('../local/config');
  const { startLumos } = await import('../local/runtime');
  const { freePort } = await import('../test/support/local-runtime');

  let current = emptyUsage();
  // Tally every DynamoDB request by the capacity DynamoDB Local says it consumed. The local timer table polls
  // DynamoDB, which EventBridge Scheduler does not: its reads are left out, its schedules counted as timers.
  for (const Client of [DynamoDBClient, DynamoDBDocumentClient] as unknown as {
    prototype: { send: (...args: unknown[]) => Promise<unknown> };
  }[]) {
    const original = Object.getPrototypeOf(Client.prototype).send as (...args: unknown[]) => Promise<unknown>;
    Client.prototype.send = async function (this: unknown, command: unknown, ...rest: unknown[]) {
      const name = (command as object).constructor.name;
      const input = (command as { input: Record<string, unknown> }).input;
      const timers = JSON.stringify(input).includes('lumos-timers');
      if (CAPACITY_COMMANDS.test(name)) input.ReturnConsumedCapacity = 'TOTAL';
      try {
        const output = (await original.call(this, command, ...rest)) as {
          ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
        };
        const consumed = ([] as { CapacityUnits?: number }[])
          .concat(output?.ConsumedCapacity ?? [])
          .reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
        if (!timers) {
          if (READ_COMMANDS.test(name)) current.dynamodbReadUnits += consumed;
          else current.dynamodbWriteUnits += consumed;
        }
        return output;
      } catch (error) {
        // A failed conditional write still costs one write unit.
        if (!timers && !READ_COMMANDS.test(name) && CAPACITY_COMMANDS.test(name)) current.dynamodbWriteUnits += 1;
        throw error;
      }
    };
  }
  const model = HeuristicLanguageModel.prototype as unknown as {
    generate: (request: { agent: string }) => Promise<{ usage: { inputTokens: number; outputTokens: number } }>;
  };
  const generate = model.generate;
  // Every model call is counted with the prompt Bedrock would get. Tasks the local model has no skill for fail
  // here (agents then use their rules), but in AWS they are answered: they count with an assumed answer length.
  model.generate = async function (this: unknown, request: { agent: string }) {
    const tokens = current.llmTokens[request.agent] ?? { input: 0, output: 0 };
    current.llmTokens[request.agent] = tokens;
    try {
      const response = await generate.call(this, request);
      tokens.input += response.usage.inputTokens + PROMPT_OVERHEAD_TOKENS;
      tokens.output += response.usage.outputTokens;
      return response;
    } catch (error) {
      const prompt = renderUserTurn(request as unknown as Parameters<typeof renderUserTurn>[0], 'bedrock');
      tokens.input += estimateTokens(prompt) + PROMPT_OVERHEAD_TOKENS;
      tokens.output += ASSUMED_ANSWER_TOKENS;
      throw error;
    }
  };
  const outbox = OutboxNotifier.prototype as unknown as { send: (n: { channel: string }) => Promise<unknown> };
  const send = outbox.send;
  outbox.send = function (this: unknown, notification: { channel: string }) {
    current.notifications[notification.channel] = (current.notifications[notification.channel] ?? 0) + 1;
    return send.call(this, notification);
  };
  const timers = DynamoDbTimerTable.prototype as unknown as { schedule: (...args: unknown[]) => Promise<void> };
  const schedule = timers.schedule;
  timers.schedule = function (this: unknown, ...args: unknown[]) {
    current.timersScheduled += 1;
    return schedule.apply(this, args);
  };
  const archive = FileRawArchive.prototype as unknown as { put: (...args: unknown[]) => Promise<string> };
  const put = archive.put;
  archive.put = function (this: unknown, ...args: unknown[]) {
    current.s3Puts += 1;
    return put.apply(this, args);
  };

  const home = mkdtempSync(join(tmpdir(), 'lumos-cost-'));
  const secret = 'cost-measure-secret';
  Object.assign(process.env, {
    LUMOS_WEBHOOK_SECRET: secret,
    LUMOS_TIMER_POLL_MS: '500',
    LUMOS_APPROVAL_LINK_KEY: 'cost-measure-key',
  });
  const config = {
    ...loadLocalConfig(),
    home,
    port: await freePort(),
    sfnPort: await freePort(),
    dynamodbPort: await freePort(),
  };
  process.stdout.write(`starting the local runtime in ${home}\n`);
  const lumos = await startLumos(config);
  const sfn = new SFNClient({
    endpoint: lumos.urls.stepFunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const asl = readJson<unknown>(join(ROOT, 'statemachines', 'incident.asl.json'));
  const tasks = taskFunctions(asl);
  const memory = new Map(functionCatalogue.map((spec) => [spec.id, spec.memorySize ?? 512]));
  const webhookMemory = (memory.get('WebhookIntake') ?? 512) / 1024;

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const started = Date.now();
    const response = await fetch(`${lumos.urls.api}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    current.apiRequests += 1;
    current.lambdaInvocations += 1;
    current.lambdaGbSeconds += ((Date.now() - started) / 1000) * webhookMemory;
    return (await response.json()) as { incidentId?: string; executionArn?: string; status?: string };
  };
  const approvePending = async (incidentId: string) => {
    const list = (await (
      await fetch(`${lumos.urls.api}/notifications?incidentId=${incidentId}&channel=approval`)
    ).json()) as {
      notifications: { links?: { rel: string; href: string }[] }[];
    };
    for (const n of list.notifications) {
      const approve = n.links?.find((l) => l.rel === 'approve');
      if (!approve) continue;
      const response = await fetch(approve.href, { method: 'POST' });
      current.apiRequests += 1;
      current.lambdaInvocations += 1;
      if (response.status === 200) return;
    }
  };
  const finish = async (executionArn: string, incidentId: string) => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') break;
      if (Date.now() > deadline) throw new Error(`execution ${executionArn} did not finish`);
      await approvePending(incidentId);
      await new Promise((r) => setTimeout(r, 500));
    }
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const entered = new Map<string, number>();
    for (const event of history.events ?? []) {
      if (event.type?.endsWith('StateEntered')) {
        current.stateTransitions += 1;
        const name = event.stateEnteredEventDetails?.name ?? '';
        if (tasks.has(name)) entered.set(name, event.timestamp!.getTime());
      }
      if (event.type === 'TaskStateExited') {
        const name = event.stateExitedEventDetails?.name ?? '';
        const task = tasks.get(name);
        const start = entered.get(name);
        if (!task || start === undefined) continue;
        // A callback task's Lambda only sends the request; the wait is not Lambda time.
        const seconds = task.callback ? 0.3 : (event.timestamp!.getTime() - start) / 1000;
        current.lambdaInvocations += 1;
        current.lambdaGbSeconds += seconds * ((memory.get(task.functionId) ?? 512) / 1024);
      }
    }
    const incident = (await (await fetch(`${lumos.urls.api}/incidents/${incidentId}`)).json()) as {
      knowledge?: { query?: string };
    };
    current.embeddingTokens += Math.ceil((incident.knowledge?.query?.length ?? 0) / 4);
  };

  const titles = [
    ['Inventory service not responding', 'inventory-svc'],
    ['Checkout payments failing for some customers', 'checkout-api'],
    ['VPN disconnects every few minutes', 'corp-vpn'],
    ['Laptop cannot connect to Wi-Fi after update', 'laptop-fleet'],
    ['Database disk almost full on payments-db', 'payments-db'],
    ['Password reset e-mail not arriving', ''],
  ];
  interface AlarmEvent {
    id: string;
    time: string;
    resources: string[];
    detail: {
      alarmName: string;
      state: { timestamp: string };
      configuration: { metrics: { metricStat: { metric: { dimensions: Record<string, string> } } }[] };
    };
  }
  const alarm = readJson<AlarmEvent>(join(ROOT, 'test', 'fixtures', 'cloudwatch', 'alarm.json'));
  const alarmEvent = (i: number, refire = 0) => {
    const event = structuredClone(alarm);
    const at = new Date(Date.now() + refire * 1000).toISOString();
    event.id = `cost-${i}-${refire}`;
    event.time = at;
    event.detail.alarmName = `cost-measure-alarm-${i}`;
    event.resources = [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:cost-measure-alarm-${i}`];
    event.detail.state.timestamp = at;
    // A database of its own per sample, so samples do not correlate into one incident by service.
    event.detail.configuration.metrics[0]!.metricStat.metric.dimensions = { DBInstanceIdentifier: `cost-db-${i}` };
    return JSON.stringify(event);
  };

  const perKind = async (kind: 'ticket' | 'alert'): Promise<Usage> => {
    current = emptyUsage();
    for (let i = 0; i < sample; i++) {
      let answer: { incidentId?: string; executionArn?: string };
      if (kind === 'ticket') {
        const [title, service] = titles[i % titles.length]!;
        const body = JSON.stringify({
          result: {
            sys_id: `cost${i}${Date.now()}`,
            number: `INC55${i}`,
            short_description: title,
            description: `${title}. Reported by several users.`,
            impact: String(1 + (i % 3)),
            urgency: String(1 + ((i + 1) % 3)),
            state: '1',
            category: 'application',
            sys_mod_count: '0',
            ...(service ? { cmdb_ci: { value: `ci-${service}`, display_value: service } } : {}),
            caller_id: { value: 'u-cost', display_value: 'casey.caller@example.com' },
          },
        });
        answer = await post('/webhooks/servicenow', body, {
          'X-Lumos-Signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
        });
      } else {
        answer = await post('/events', alarmEvent(i), {});
      }
      if (!answer.incidentId || !answer.executionArn)
        throw new Error(`no incident from the sample ${kind} ${i}: ${JSON.stringify(answer)}`);
      await finish(answer.executionArn, answer.incidentId);
      process.stdout.write(`  measured ${kind} ${i + 1}/${sample}\n`);
    }
    return scale(current, 1 / sample);
  };

  try {
    const ticket = await perKind('ticket');
    const alert = await perKind('alert');
    current = emptyUsage();
    // One more signal for an alarm whose incident is open: intake work only.
    await post('/events', alarmEvent(sample + 1), {}).then(async (a) => {
      if (a.executionArn && a.incidentId) await finish(a.executionArn, a.incidentId);
    });
    current = emptyUsage();
    for (let i = 0; i < sample; i++) await post('/events', alarmEvent(sample + 1, i + 1), {});
    const correlatedSignal = scale(current, 1 / sample);
    return {
      measuredAt: new Date().toISOString().slice(0, 10),
      method: 'npm run cost -- --measure (local runtime, deterministic local model, DynamoDB Local consumed capacity)',
      sample: { tickets: sample, alerts: sample, correlatedSignals: sample },
      incident: { ticket, alert },
      correlatedSignal,
    };
  } finally {
    await lumos.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number >= 0, got '${value}'`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      stage: { type: 'string', default: 'prod' },
      tickets: { type: 'string' },
      alerts: { type: 'string' },
      'alerts-per-incident': { type: 'string' },
      prices: { type: 'string', default: join(PRICING, 'aws-list-prices.json') },
      assumptions: { type: 'string', default: join(PRICING, 'stage-assumptions.json') },
      usage: { type: 'string', default: join(PRICING, 'usage-profile.json') },
      json: { type: 'boolean', default: false },
      measure: { type: 'boolean', default: false },
      sample: { type: 'string', default: '4' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run cost -- [--stage dev|staging|prod] [--tickets N] [--alerts N] [--alerts-per-incident N] [--json]\n' +
        '               [--prices file] [--assumptions file] [--usage file]\n' +
        'npm run cost -- --measure [--sample N]   re-measure pricing/usage-profile.json on the local runtime\n',
    );
    return;
  }
  if (values.measure) {
    const profile = await measure(Math.max(1, Math.round(positive(values.sample, 'sample', 4))));
    writeFileSync(values.usage, `${JSON.stringify(profile, null, 2)}\n`);
    process.stdout.write(`wrote ${values.usage}\n${JSON.stringify(profile.incident, null, 2)}\n`);
    process.exit(0);
  }
  if (!(STAGE_NAMES as readonly string[]).includes(values.stage)) {
    throw new Error(`--stage must be one of ${STAGE_NAMES.join(', ')}`);
  }
  const stage = values.stage as StageName;
  const stageAssumptions = readJson<{ hoursPerMonth: number; stages: Record<string, StageAssumptions> }>(
    values.assumptions,
  );
  const assumptions = stageAssumptions.stages[stage];
  if (!assumptions) throw new Error(`${values.assumptions} has no assumptions for stage ${stage}`);
  const config = loadStageConfig(stage);
  const estimate = estimateMonthlyCost({
    stage,
    volume: {
      tickets: positive(values.tickets, 'tickets', 3000),
      alerts: positive(values.alerts, 'alerts', 20_000),
      alertsPerIncident: positive(values['alerts-per-incident'], 'alerts-per-incident', 4) || 1,
    },
    prices: readJson<Prices>(values.prices),
    assumptions,
    usage: readJson<UsageProfile>(values.usage),
    models: config.bedrock.models,
    hoursPerMonth: stageAssumptions.hoursPerMonth,
    monitoring: {
      customMetrics: OUTCOME_CUSTOM_METRICS,
      // A dead-letter alarm per function, plus failed executions, API 5XX and the operations dashboard's alarms.
      alarms: functionCatalogue.length + 6,
    },
  });
  process.stdout.write(values.json ? `${JSON.stringify(estimate, null, 2)}\n` : `${renderEstimate(estimate)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`cost: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
