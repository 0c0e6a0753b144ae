import * as z from 'zod';
import { LanguageModelUnavailableError } from '../ports/llm';

/** The model settings of one agent, from the stage config. */
export const AgentModelSettings = z.object({
  /** Bedrock model id or inference profile id. */
  modelId: z.string().min(1),
  temperature: z.number().min(0).max(1).default(0),
  /** Ceiling on the answer's tokens; also what the budget check reserves. */
  maxTokens: z.number().int().positive().max(8192).default(1024),
  /** Replaces the agent's built-in role prompt; the data-handling rules are always appended. */
  systemPrompt: z.string().min(1).optional(),
  /**
   * `tool` forces the answer tool (Anthropic Claude 3+, Mistral Large, Amazon Nova); `any` only forces some tool,
   * for models that support no specific tool choice (with one tool the effect is the same).
   */
  toolChoice: z.enum(['tool', 'any']).default('tool'),
});
export type AgentModelSettings = z.infer<typeof AgentModelSettings>;

/** Everything the LLM adapters read from the stage config (environment variable `LUMOS_LLM_SETTINGS`, JSON). */
export const LlmSettings = z.object({
  /** Model tokens (input + output) one incident may spend across all agents. */
  budgetTokensPerIncident: z.number().int().positive().default(40_000),
  /** Optional Bedrock guardrail applied to every call. */
  guardrail: z.object({ id: z.string().min(1), version: z.string().min(1) }).optional(),
  /** Per agent; an agent without an entry runs without a model. */
  agents: z.record(z.string(), AgentModelSettings).default({}),
});
export type LlmSettings = z.infer<typeof LlmSettings>;

/** Thrown when `LUMOS_LLM_SETTINGS` is not valid; a deployment bug worth a precise message. */
export class InvalidLlmSettingsError extends Error {
  override readonly name = 'InvalidLlmSettingsError';
}

/** Parses the settings JSON (absent means: no agent has a model). */
export function parseLlmSettings(json: string | undefined): LlmSettings {
  if (!json) return LlmSettings.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new InvalidLlmSettingsError(`LUMOS_LLM_SETTINGS is not JSON: ${(error as Error).message}`);
  }
  const parsed = LlmSettings.safeParse(raw);
  if (!parsed.success) throw new InvalidLlmSettingsError(`LUMOS_LLM_SETTINGS: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The role prompt of each agent that uses a model; stage config may replace any of them. */
export const DEFAULT_ROLE_PROMPTS: Readonly<Record<string, string>> = {
  triage:
    'You are the triage agent of an IT operations team. You classify incidents: category, priority P1-P5 with the ' +
    'ITIL impact and urgency you read from the evidence, and the owning assignment group. You weigh the similar ' +
    'resolved incidents you are shown as precedent. Be calibrated: a low confidence is better than a wrong certainty.',
  knowledge:
    'You are the knowledge agent of an IT operations team. You write a short, concrete suggested resolution for an ' +
    'incident using only the knowledge-base excerpts you are given, citing the excerpt label for every step. If the ' +
    'excerpts do not cover the incident, say so instead of inventing steps.',
  sentiment:
    'You are the sentiment agent of an IT service desk. You rate how the person who raised a ticket feels in each ' +
    'of their comments, from -1 (angry, desperate, threatening to escalate) to 1 (satisfied, thankful).',
  'log-analysis':
    'You are the log-analysis agent of an IT operations team. Given log templates that Lumos found anomalous, with ' +
    'counts, you explain in two or three sentences what most likely went wrong, citing template ids.',
  diagnosis:
    'You are the diagnosis agent of an IT operations team. From structured evidence Lumos gathered (log anomalies, ' +
    'change records with their timing, service-graph paths, alerts, similar resolved incidents, knowledge articles) ' +
    'you rank root-cause hypotheses: a suspect component, a failure mode from a fixed list, a confidence, and the ' +
    'evidence refs that support each. You cite only refs Lumos supplied and say "unknown" when the evidence is thin.',
};

/** The settings one agent runs with, or LanguageModelUnavailableError when the stage gives it no model. */
export function agentSettings(settings: LlmSettings, agent: string): AgentModelSettings & { systemPrompt: string } {
  const own = settings.agents[agent];
  if (!own) throw new LanguageModelUnavailableError(`no model is configured for agent '${agent}'`);
  const systemPrompt = own.systemPrompt ?? DEFAULT_ROLE_PROMPTS[agent];
  if (!systemPrompt) throw new LanguageModelUnavailableError(`agent '${agent}' has no role prompt`);
  return { ...own, systemPrompt };
}
