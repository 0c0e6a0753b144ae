import { join, resolve } from 'node:path';
import { extractiveResolution } from '../../agents/knowledge/suggested-resolution';
import { TokenBudget } from '../../llm/token-budget';
import type { Dependencies } from '../../runtime/dependencies';
import { DynamoDbTokenLedger } from '../aws/dynamodb-token-ledger';
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

/**
 * The agents' ports for the local runtime:
 * - `llm`: deterministic skills (extractive suggested resolution); tasks without a skill are unavailable and the
 *   agents use their own rules, exactly as when Bedrock is unavailable. Token use is estimated and charged to the
 *   same DynamoDB ledger as in AWS, under `LUMOS_TOKEN_BUDGET` (default 40000) per incident.
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
  return {
    llm: new HeuristicLanguageModel({
      skills: { suggest_resolution: extractiveResolution },
      budget: new TokenBudget(
        new DynamoDbTokenLedger(options.tableName),
        Number.isFinite(budget) && budget > 0 ? budget : 40_000,
      ),
    }),
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
