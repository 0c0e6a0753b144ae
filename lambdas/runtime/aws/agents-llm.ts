/**
 * Registers the language model: Bedrock with the per-agent settings in `LUMOS_LLM_SETTINGS` (JSON: model, budget,
 * guardrail) and the per-incident token budget kept in the incident table (`INCIDENT_TABLE_NAME`).
 */
import { BedrockLanguageModel } from '../../adapters/aws/bedrock-language-model';
import { DynamoDbTokenLedger } from '../../adapters/aws/dynamodb-token-ledger';
import { parseLlmSettings } from '../../llm/model-settings';
import { TokenBudget } from '../../llm/token-budget';
import { registerFactories } from '../dependencies';
import { bedrockClient } from './bedrock-client';
import { env } from './env';

registerFactories({
  llm: () => {
    const settings = parseLlmSettings(process.env.LUMOS_LLM_SETTINGS);
    return new BedrockLanguageModel({
      client: bedrockClient(),
      settings,
      budget: new TokenBudget(new DynamoDbTokenLedger(env('INCIDENT_TABLE_NAME')), settings.budgetTokensPerIncident),
    });
  },
});
