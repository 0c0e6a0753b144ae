import { join, resolve } from 'node:path';
import { extractiveResolution } from '../../agents/knowledge/suggested-resolution';
import { parseLlmSettings } from '../../llm/model-settings';
import { TokenBudget } from '../../llm/token-budget';
import type { Dependencies } from '../../runtime/dependencies';
import { DynamoDbTokenLedger } from '../aws/dynamodb-token-ledger';
import { OpenAiCompatibleLanguageModel } from '../http/openai-compatible-language-model';
import { FileTriageModelStore } from './file-triage-model';
import { FolderLogSource } from './folder-logs';
import { HeuristicLanguageModel } from './heuristic-language-model';
import { JsonFileTopology } from './json-topology';
import { createUseEmbedder, USE_MODEL_ID } from './use-embedder';

/** Where the local agent adapters find their data. */
export interface LocalAgentAdapterOptions {
  readonly projectRoot: string;
  /** The incident table (DynamoDB Local): the token ledger lives there, as in AWS. */
  readonly tableName: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** The model is named by the server, so a base URL without a model name is a configuration mistake worth a message. */
export class InvalidModelEndpointConfigError extends Error {
  override readonly name = 'InvalidModelEndpointConfigError';
}

/** The OpenAI-compatible language model the environment describes (`LUMOS_LLM_*`). */
export function openAiCompatibleFromEnv(env: NodeJS.ProcessEnv, budget: TokenBudget): OpenAiCompatibleLanguageModel {
  const model = env.LUMOS_LLM_MODEL?.trim();
  if (!model)
    throw new InvalidModelEndpointConfigError(
      'LUMOS_LLM_BASE_URL is set but LUMOS_LLM_MODEL is not: name the model the server should run (e.g. llama3.1:8b)',
    );
  const mode = env.LUMOS_LLM_MODE === 'json' ? 'json' : 'tools';
  return new OpenAiCompatibleLanguageModel({
    baseUrl: env.LUMOS_LLM_BASE_URL!,
    model,
    apiKey: env.LUMOS_LLM_API_KEY || undefined,
    settings: parseLlmSettings(env.LUMOS_LLM_SETTINGS),
    budget,
    mode,
    ...(env.LUMOS_LLM_TIMEOUT_MS ? { timeoutMs: Number(env.LUMOS_LLM_TIMEOUT_MS) } : {}),
  });
}

/**
 * The agents' ports for the local runtime:
 * - `llm`: with `LUMOS_LLM_BASE_URL`, a real model on an OpenAI-compatible server (`LUMOS_LLM_MODEL`, optional
 *   `LUMOS_LLM_API_KEY`, per-agent overrides in `LUMOS_LLM_SETTINGS`); else deterministic skills (extractive suggested
 *   resolution), where tasks without a skill are unavailable and the agents use their own rules, exactly as when
 *   Bedrock is unavailable. Token use is charged to the same DynamoDB ledger as in AWS, under `LUMOS_TOKEN_BUDGET`
 *   (default 40000) per incident.
 * - `logs`: `LUMOS_LOGS_DIR`, else the sample logs in `local/fixtures/logs` replayed to end at the incident.
 * - `topology`: `LUMOS_TOPOLOGY_FILE`, else `local/fixtures/topology.json`.
 * - `triageModel`: `LUMOS_TRIAGE_MODEL`, else `local/fixtures/triage-model.json` (`tsx bin/train-triage.ts --data <csv|jsonl>` rebuilds it).
 */
export function localAgentAdapters(
  options: LocalAgentAdapterOptions,
): Pick<Dependencies, 'llm' | 'logs' | 'topology' | 'triageModel'> {
  const env = options.env ?? process.env;
  const fixtures = join(options.projectRoot, 'local', 'fixtures');
  const budget = Number(env.LUMOS_TOKEN_BUDGET ?? 40_000);
  const tokenBudget = new TokenBudget(
    new DynamoDbTokenLedger(options.tableName),
    Number.isFinite(budget) && budget > 0 ? budget : 40_000,
  );
  return {
    llm: env.LUMOS_LLM_BASE_URL
      ? openAiCompatibleFromEnv(env, tokenBudget)
      : new HeuristicLanguageModel({ skills: { suggest_resolution: extractiveResolution }, budget: tokenBudget }),
    logs: new FolderLogSource({
      dir: env.LUMOS_LOGS_DIR ? resolve(env.LUMOS_LOGS_DIR) : join(fixtures, 'logs'),
      replay: !env.LUMOS_LOGS_DIR,
    }),
    topology: new JsonFileTopology(
      env.LUMOS_TOPOLOGY_FILE ? resolve(env.LUMOS_TOPOLOGY_FILE) : join(fixtures, 'topology.json'),
    ),
    triageModel: new FileTriageModelStore(
      env.LUMOS_TRIAGE_MODEL ? resolve(env.LUMOS_TRIAGE_MODEL) : join(fixtures, 'triage-model.json'),
      { embedder: createUseEmbedder(), model: USE_MODEL_ID },
    ),
  };
}
