import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  functionCatalogue,
  substitutionKey,
  type WorkflowStepId,
  workflowSteps,
} from '../../lambdas/function-catalogue';
import { StepFunctionsEngine } from '../../local/stepfunctions/engine';
import { type StepFunctionsServer, startStepFunctionsServer } from '../../local/stepfunctions/server';

/** The workflow steps the incident state machine invokes, by catalogue id: exactly the catalogue's workflow entries. */
export type Step = WorkflowStepId;

/** What a test double does when invoked; `attempt` counts calls of this step for this incident from 1. */
export type Behaviour = (payload: Record<string, unknown>, attempt: number) => unknown;

/** The error a Lumos agent throws for a failure worth retrying (matched by the ASL Retry). */
export class TransientError extends Error {
  override name = 'Lumos.TransientError';
}

/** A failure that retrying cannot fix. */
export class PermanentError extends Error {
  constructor(
    override readonly name: string,
    message: string,
  ) {
    super(message);
  }
}

export const autoPlan = {
  requiresApproval: false,
  riskTier: 'low',
  planId: 'plan-auto',
  actionHash: 'sha256:auto',
  approvalTimeoutSeconds: 3600,
  heartbeatSeconds: 600,
};

export const gatedPlan = (approvalTimeoutSeconds: number, heartbeatSeconds: number) => ({
  requiresApproval: true,
  riskTier: 'high',
  planId: 'plan-gated',
  actionHash: 'sha256:gated',
  approvalTimeoutSeconds,
  heartbeatSeconds,
});

/** Each step's double when a test gives none; the type makes a new catalogue step fail to compile until it has one. */
const defaults: Record<Step, Behaviour> = {
  Triage: () => ({ priority: 'P2', category: 'network', assignmentGroup: 'network-operations', confidence: 0.82 }),
  Knowledge: () => ({ articleCount: 3 }),
  Sentiment: () => ({ status: 'scored', escalate: false }),
  LogAnalysis: () => ({ status: 'analysed', anomalyCount: 2 }),
  Dependency: () => ({ status: 'mapped', suspectCount: 4 }),
  Diagnose: () => ({ status: 'ok', confidence: 0.74, component: 'corp-vpn', failureMode: 'network' }),
  EscalationRouting: () => ({ group: 'Network Operations', assignee: null }),
  FirstResponse: () => ({ status: 'written', latencyMs: 1200 }),
  Fulfilment: () => ({ status: 'not_a_request', itemId: null }),
  Plan: () => autoPlan,
  RequestApproval: () => ({ requested: true }),
  ExecutePlan: () => ({ status: 'done' }),
  VerifyRecovery: () => ({
    status: 'recovered',
    attempts: 1,
    waitSeconds: 1,
    startedAt: '2026-12-03T10:00:00.000Z',
    deadline: '2026-12-03T10:05:00.000Z',
  }),
  Postmortem: () => ({ status: 'written' }),
  Escalate: () => ({ escalatedTo: 'network-on-call' }),
  Handoff: () => ({ needed: false, group: null }),
  WriteBack: () => ({ purpose: 'progress', status: 'written' }),
  RecordOutcome: () => ({ status: 'recorded' }),
  FlagForHuman: () => ({ status: 'flagged' }),
};

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';
export const STATE_MACHINE_NAME = 'lumos-incident';
export const functionArn = (id: string): string => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:lumos-${id}`;

/** DefinitionSubstitutions exactly as the local runtime builds them: every workflow function of the catalogue. */
export const substitutions = (): Record<string, string> =>
  Object.fromEntries(
    functionCatalogue
      .filter((spec) => spec.role === 'workflow')
      .map((spec) => [substitutionKey(spec), functionArn(spec.id)]),
  );

/** One incident's scripted world: how each step behaves and what each step received. */
export class Scenario {
  readonly calls: Array<{ step: Step; payload: Record<string, unknown> }> = [];
  private readonly approvalWaiters: Array<(payload: Record<string, unknown>) => void> = [];
  private readonly approvalRequests: Array<Record<string, unknown>> = [];

  constructor(private readonly behaviours: Partial<Record<Step, Behaviour>>) {}

  async invoke(step: Step, payload: Record<string, unknown>): Promise<unknown> {
    this.calls.push({ step, payload });
    const attempt = this.calls.filter((call) => call.step === step).length;
    const result = await (this.behaviours[step] ?? defaults[step])(payload, attempt);
    if (step === 'RequestApproval') {
      const waiter = this.approvalWaiters.shift();
      if (waiter) waiter(payload);
      else this.approvalRequests.push(payload);
    }
    return result;
  }

  /** Payloads a step received, in order. */
  payloadsOf(step: Step): Array<Record<string, unknown>> {
    return this.calls.filter((call) => call.step === step).map((call) => call.payload);
  }

  /** The next approval request RequestApproval handled (the one carrying the task token). */
  nextApprovalRequest(): Promise<Record<string, unknown>> {
    const queued = this.approvalRequests.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => this.approvalWaiters.push(resolve));
  }
}

/** The local Step Functions service with the real incident ASL, its test-double functions and an SDK client. */
export interface WorkflowHarness {
  readonly sfn: SFNClient;
  readonly server: StepFunctionsServer;
  readonly engine: StepFunctionsEngine;
  readonly stateMachineArn: string;
  readonly dataDirectory: string;
  /** Starts an incident execution named after the incident, with its own scripted steps. */
  start(
    incidentId: string,
    behaviours?: Partial<Record<Step, Behaviour>>,
  ): Promise<{ executionArn: string; scenario: Scenario }>;
  close(): Promise<void>;
}

/** Starts engine + server on a free port with a temp data directory. */
export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  const scenarios = new Map<string, Scenario>();
  const steps = new Map(workflowSteps().map((spec) => [functionArn(spec.id), spec.id]));
  const dataDirectory = mkdtempSync(join(tmpdir(), 'lumos-sfn-'));
  const engine = new StepFunctionsEngine({
    dataDirectory,
    resolveFunction: (arn) => {
      const step = steps.get(arn);
      if (!step) throw new Error(`no function ${arn}`);
      return async (payload) => {
        const incidentId = String((payload as { incidentId?: unknown }).incidentId);
        const scenario = scenarios.get(incidentId);
        if (!scenario) throw new Error(`no scenario for incident ${incidentId}`);
        return scenario.invoke(step, payload as Record<string, unknown>);
      };
    },
  });
  const { stateMachineArn } = engine.registerStateMachineFile(
    STATE_MACHINE_NAME,
    join(__dirname, '../../statemachines/incident.asl.json'),
    substitutions(),
  );
  const server = await startStepFunctionsServer({ port: 0, engine });
  const sfn = new SFNClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    sfn,
    server,
    engine,
    stateMachineArn,
    dataDirectory,
    async start(incidentId, behaviours = {}) {
      const scenario = new Scenario(behaviours);
      scenarios.set(incidentId, scenario);
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: incidentId, input: JSON.stringify({ incidentId }) }),
      );
      return { executionArn: executionArn!, scenario };
    },
    async close() {
      sfn.destroy();
      await server.close();
      rmSync(dataDirectory, { recursive: true, force: true });
    },
  };
}

/** The states inside the Enrich branches; parallel branches enter them in no fixed order. */
export const ENRICHMENT_STATES: ReadonlySet<string> = new Set([
  'Knowledge',
  'KnowledgeDegraded',
  'Sentiment',
  'SentimentDegraded',
  'LogAnalysis',
  'LogAnalysisDegraded',
  'Dependency',
  'DependencyDegraded',
]);

/** What the Enrich state outputs when every agent succeeds with the default doubles, in branch order. */
export const healthyEnrichment = [
  { agent: 'knowledge', ok: true, articleCount: 3 },
  { agent: 'sentiment', ok: true, status: 'scored', escalate: false },
  { agent: 'log-analysis', ok: true, status: 'analysed', anomalyCount: 2 },
  { agent: 'dependency', ok: true, status: 'mapped', suspectCount: 4 },
];

/** Polls DescribeExecution until the execution has ended. */
export async function waitForEnd(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs = 20_000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The whole history through the API. */
export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
  return events ?? [];
}

/** Names of the states the execution entered, in order. */
export async function statesEntered(sfn: SFNClient, executionArn: string): Promise<string[]> {
  return (await historyOf(sfn, executionArn))
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '?');
}

/** Parsed execution output. */
export const outputOf = (described: DescribeExecutionCommandOutput): Record<string, unknown> =>
  JSON.parse(described.output ?? 'null') as Record<string, unknown>;
