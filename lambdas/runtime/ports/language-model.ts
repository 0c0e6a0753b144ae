import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BedrockLanguageModel } from '../../adapters/aws/bedrock-language-model';
import { DynamoDbTokenLedger } from '../../adapters/aws/dynamodb-token-ledger';
import { parseLlmSettings } from '../../llm/model-settings';
import { TokenBudget } from '../../llm/token-budget';
import type { LanguageModel } from '../../ports/llm';
import { ANY_MODEL } from '../access';
import { bedrockClient } from '../aws/bedrock-client';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/**
 * The language model: Bedrock with the agent's settings in `LUMOS_LLM_SETTINGS` (model, budget, guardrail) and the
 * per-incident token budget kept in the incident table (`INCIDENT_TABLE_NAME`).
 */
export const languageModel = definePort<LanguageModel>(
  'llm',
  { access: [ANY_MODEL, 'readWriteIncidents'], env: ['LUMOS_LLM_SETTINGS', 'INCIDENT_TABLE_NAME'] },
  () => {
    const settings = parseLlmSettings(process.env.LUMOS_LLM_SETTINGS);
    return new BedrockLanguageModel({
      client: bedrockClient(),
      settings,
      budget: new TokenBudget(
        new DynamoDbTokenLedger(env('INCIDENT_TABLE_NAME'), new DynamoDBClient({})),
        settings.budgetTokensPerIncident,
      ),
    });
  },
);
