import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';

/** The deployable stages. Each synthesizes its own stack (`Lumos-<stage>`), and any two can share one account. */
export const STAGE_NAMES = ['dev', 'staging', 'prod'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

/** Thrown when `-c stage=<name>` names no known stage. */
export class UnknownStageError extends Error {
  constructor(readonly stage: string) {
    super(`Unknown stage '${stage}'. Choose one of: ${STAGE_NAMES.join(', ')} (for example: cdk synth -c stage=dev).`);
    this.name = 'UnknownStageError';
  }
}

/** Thrown when a stage's settings break the schema; the message lists every offending field. */
export class InvalidStageConfigError extends Error {
  constructor(stage: string, detail: string) {
    super(`Stage '${stage}' has an invalid configuration:\n${detail}`);
    this.name = 'InvalidStageConfigError';
  }
}

/** CloudWatch Logs accepts only these retention periods; anything else fails at deploy, so reject it at synth. */
const allowedRetentionDays = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

const seconds = z.number().int().min(0);
const positiveSeconds = z.number().int().positive();

/**
 * A Bedrock model id as `InvokeModel`/`Converse` take it, e.g. `anthropic.claude-3-5-sonnet-20240620-v1:0` or
 * `amazon.titan-embed-text-v2:0`. Only foundation-model ids: the grant is scoped to that one model's ARN.
 */
const bedrockModelId = z
  .string()
  .regex(
    /^[a-z0-9-]+\.[a-z0-9.-]+(:[0-9]+)?$/,
    'expected a Bedrock foundation model id like amazon.titan-embed-text-v2:0',
  );

const approvalSchema = z
  .object({
    /** Seconds a person has to answer the human gate, per plan risk tier; 0 means no approval is asked. */
    timeoutSeconds: z.object({ low: seconds, medium: seconds, high: seconds }),
    /**
     * Seconds between the approval notifier's heartbeats; the gate fails with `States.HeartbeatTimeout` (and
     * escalates) when none arrives in time, so a stuck notifier cannot hold an incident for the full timeout.
     */
    heartbeatSeconds: positiveSeconds,
  })
  .superRefine((approval, ctx) => {
    for (const [tier, timeout] of Object.entries(approval.timeoutSeconds)) {
      if (timeout > 0 && approval.heartbeatSeconds >= timeout) {
        ctx.addIssue({
          code: 'custom',
          path: ['heartbeatSeconds'],
          message: `must be shorter than the ${tier} tier timeout (${timeout} s), or the heartbeat can never fire first`,
        });
      }
    }
  });

/**
 * Where the triage agent finds the service map (service -> owning team, criticality). `none` leaves assignment to
 * the agent's text rules; `ssm-parameter` reads a JSON document from an existing SSM parameter the stage is granted.
 */
const serviceMapSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('none') }),
  z.object({
    source: z.literal('ssm-parameter'),
    parameterName: z
      .string()
      .regex(/^\/[A-Za-z0-9_.\-/]+$/, 'expected an SSM parameter path like /lumos/dev/service-map'),
  }),
]);

/** Typed, validated settings for one stage. Constructs receive the parts they need as props, never this whole object. */
export const StageConfigSchema = z.object({
  stage: z.enum(STAGE_NAMES),
  /** Retention of every log group the stage creates (Lambda, API access logs, state machine). */
  logRetentionDays: z
    .number()
    .int()
    .refine((days) => allowedRetentionDays.has(days), 'not a retention period CloudWatch Logs accepts'),
  /** `retain` keeps data stores, keys and log groups when the stack is deleted; `destroy` removes them (dev only). */
  removalPolicy: z.enum(['retain', 'destroy']),
  incidentTable: z.object({
    pointInTimeRecovery: z.boolean(),
    deletionProtection: z.boolean(),
  }),
  rawArchive: z.object({
    /** Days before raw deliveries move to S3 Standard-IA. */
    infrequentAccessAfterDays: z.number().int().min(30),
    /** Days after which raw deliveries are deleted. */
    expireAfterDays: z.number().int().positive(),
  }),
  api: z.object({
    /** Steady-state requests per second across the stage (API Gateway stage throttling). */
    throttlingRateLimit: z.number().positive(),
    /** Burst bucket size for the stage. */
    throttlingBurstLimit: z.number().int().positive(),
    /**
     * API Gateway execution logging. Anything but OFF needs the account-wide API Gateway CloudWatch role, a
     * per-region singleton this stack deliberately does not own (two stages share one account); set it only where
     * that role already exists.
     */
    executionLogging: z.enum(['OFF', 'ERROR', 'INFO']),
  }),
  alarmIntake: z.object({
    /** EventBridge delivery retries to the AlarmIntake function before the event goes to the dead-letter queue. */
    retryAttempts: z.number().int().min(0).max(185),
    /** Oldest event age EventBridge still retries, in seconds (60 s to 24 h). */
    maxEventAgeSeconds: z.number().int().min(60).max(86_400),
    /**
     * Names of partner event buses whose Zendesk ticket events (source `aws.partner/zendesk.com/...`) become
     * incidents. Zendesk creates the bus when its EventBridge connector is set up; empty means none.
     */
    zendeskPartnerEventBuses: z.array(z.string().regex(/^aws\.partner\/zendesk\.com\//)).default([]),
  }),
  alarms: z.object({
    /** Failed, timed-out or aborted workflow executions per period that raise the operator alarm. */
    workflowFailuresThreshold: z.number().int().positive(),
    /** Messages in any dead-letter queue that raise its alarm. */
    deadLetterMessagesThreshold: z.number().int().positive(),
    periodSeconds: z.union([z.literal(60), z.literal(300), z.literal(900), z.literal(3600)]),
  }),
  approval: approvalSchema,
  bedrock: z.object({
    /** One model per agent; each agent's role may invoke only its own model. */
    models: z.object({ triage: bedrockModelId, plan: bedrockModelId, knowledgeEmbedding: bedrockModelId }),
  }),
  serviceMap: serviceMapSchema,
  /** Powertools log level for every function. */
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
});

/** The validated configuration of one stage. */
export type StageConfig = z.infer<typeof StageConfigSchema>;

const sharedApproval = {
  // Low-risk plans run without a person. High-risk ones get a short window on purpose: a risky change that nobody
  // answers within ten minutes is escalated to on-call instead of waiting an hour.
  timeoutSeconds: { low: 0, medium: 3600, high: 600 },
  heartbeatSeconds: 300,
};

const sharedBedrock = {
  models: {
    triage: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    plan: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    knowledgeEmbedding: 'amazon.titan-embed-text-v2:0',
  },
};

/** The raw settings per stage; {@link loadStageConfig} validates them. */
const stageSettings: Record<StageName, z.input<typeof StageConfigSchema>> = {
  dev: {
    stage: 'dev',
    logRetentionDays: RetentionDays.TWO_WEEKS,
    removalPolicy: 'destroy',
    incidentTable: { pointInTimeRecovery: true, deletionProtection: false },
    rawArchive: { infrequentAccessAfterDays: 30, expireAfterDays: 30 },
    api: { throttlingRateLimit: 20, throttlingBurstLimit: 40, executionLogging: 'OFF' },
    alarmIntake: { retryAttempts: 8, maxEventAgeSeconds: 3600 },
    alarms: { workflowFailuresThreshold: 1, deadLetterMessagesThreshold: 1, periodSeconds: 300 },
    approval: sharedApproval,
    bedrock: {
      models: {
        ...sharedBedrock.models,
        triage: 'anthropic.claude-3-haiku-20240307-v1:0',
        plan: 'anthropic.claude-3-haiku-20240307-v1:0',
      },
    },
    serviceMap: { source: 'none' },
    logLevel: 'DEBUG',
  },
  staging: {
    stage: 'staging',
    logRetentionDays: RetentionDays.ONE_MONTH,
    removalPolicy: 'retain',
    incidentTable: { pointInTimeRecovery: true, deletionProtection: false },
    rawArchive: { infrequentAccessAfterDays: 30, expireAfterDays: 90 },
    api: { throttlingRateLimit: 50, throttlingBurstLimit: 100, executionLogging: 'OFF' },
    alarmIntake: { retryAttempts: 24, maxEventAgeSeconds: 7200 },
    alarms: { workflowFailuresThreshold: 1, deadLetterMessagesThreshold: 1, periodSeconds: 300 },
    approval: sharedApproval,
    bedrock: sharedBedrock,
    serviceMap: { source: 'none' },
    logLevel: 'INFO',
  },
  prod: {
    stage: 'prod',
    logRetentionDays: RetentionDays.ONE_YEAR,
    removalPolicy: 'retain',
    incidentTable: { pointInTimeRecovery: true, deletionProtection: true },
    rawArchive: { infrequentAccessAfterDays: 30, expireAfterDays: 400 },
    api: { throttlingRateLimit: 200, throttlingBurstLimit: 400, executionLogging: 'OFF' },
    alarmIntake: { retryAttempts: 185, maxEventAgeSeconds: 86_400 },
    alarms: { workflowFailuresThreshold: 1, deadLetterMessagesThreshold: 1, periodSeconds: 60 },
    approval: sharedApproval,
    bedrock: sharedBedrock,
    serviceMap: { source: 'none' },
    logLevel: 'INFO',
  },
};

/** True when `name` is one of {@link STAGE_NAMES}. */
export function isStageName(name: string): name is StageName {
  return (STAGE_NAMES as readonly string[]).includes(name);
}

/**
 * The validated configuration for `name`, optionally with overrides (tests, one-off deployments) merged over the
 * stage's own settings before validation.
 * @throws UnknownStageError for a name outside {@link STAGE_NAMES}
 * @throws InvalidStageConfigError when the settings break the schema
 */
export function loadStageConfig(name: string, overrides: Partial<z.input<typeof StageConfigSchema>> = {}): StageConfig {
  if (!isStageName(name)) throw new UnknownStageError(name);
  const parsed = StageConfigSchema.safeParse({ ...stageSettings[name], ...overrides });
  if (!parsed.success) throw new InvalidStageConfigError(name, z.prettifyError(parsed.error));
  return parsed.data;
}
