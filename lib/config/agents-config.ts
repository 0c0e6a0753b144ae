import { z } from 'zod';
import type { StageConfig } from './stage-config';

/** Model settings of one agent. */
const AgentModel = z.object({
  modelId: z.string().regex(/^[a-z0-9-]+\.[a-z0-9.-]+(:[0-9]+)?$/, 'expected a Bedrock foundation model id'),
  temperature: z.number().min(0).max(1).default(0),
  maxTokens: z.number().int().positive().max(8192).default(1024),
});

/** Typed, validated settings of the agents for one stage: models, budget, search, logs, sentiment. */
export const AgentsConfigSchema = z.object({
  llm: z.object({
    /** Model tokens one incident may spend across all agents. */
    budgetTokensPerIncident: z.number().int().positive(),
    /** `create` makes a guardrail with the prompt-attack filter; an existing one is `{id, version}`. */
    guardrail: z
      .union([z.literal('create'), z.object({ id: z.string().min(1), version: z.string().min(1) })])
      .optional(),
    agents: z.object({
      triage: AgentModel,
      knowledge: AgentModel,
      sentiment: AgentModel,
      'log-analysis': AgentModel,
      diagnosis: AgentModel,
    }),
  }),
  knowledge: z.object({
    embeddingDimensions: z.union([z.literal(256), z.literal(512), z.literal(1024)]),
    /** Redundant replicas of the search collection across zones. */
    standbyReplicas: z.boolean(),
    /** Hours between knowledge syncs. */
    syncEveryHours: z.number().int().min(1).max(168),
    /** Secrets Manager secret with `{instanceUrl, username, password}` or `{instanceUrl, token}` for `kb_knowledge`. */
    servicenowSecretArn: z.string().startsWith('arn:').optional(),
  }),
  /** Log groups per service for the log-analysis agent (`*` fallback, `{service}` placeholder). */
  logGroups: z.record(z.string(), z.array(z.string().min(1))),
  /** The latest comment at or below this sentiment score raises the escalation flag. */
  sentimentEscalationThreshold: z.number().min(-1).max(0),
});
export type AgentsConfig = z.infer<typeof AgentsConfigSchema>;

/** The agents' settings for a stage: the text agents use the stage's triage model, and prod buys redundancy. */
export function agentsConfigFor(
  config: StageConfig,
  overrides: Partial<z.input<typeof AgentsConfigSchema>> = {},
): AgentsConfig {
  const text = config.bedrock.models.triage;
  const prod = config.stage === 'prod';
  return AgentsConfigSchema.parse({
    llm: {
      budgetTokensPerIncident: prod ? 60_000 : 30_000,
      guardrail: config.stage === 'dev' ? undefined : 'create',
      agents: {
        triage: { modelId: text, maxTokens: 800 },
        knowledge: { modelId: text, maxTokens: 1200 },
        sentiment: { modelId: text, maxTokens: 600 },
        'log-analysis': { modelId: text, maxTokens: 500 },
        diagnosis: { modelId: text, maxTokens: 1000 },
      },
    },
    knowledge: { embeddingDimensions: 1024, standbyReplicas: prod, syncEveryHours: prod ? 1 : 6 },
    logGroups: { '*': ['/aws/lambda/{service}', '/ecs/{service}'] },
    sentimentEscalationThreshold: -0.5,
    ...overrides,
  });
}
