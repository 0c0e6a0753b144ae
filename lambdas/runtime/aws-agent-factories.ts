import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { S3Client } from '@aws-sdk/client-s3';
import { BedrockLanguageModel } from '../adapters/aws/bedrock-language-model';
import { BedrockTitanEmbedder, type TitanDimensions } from '../adapters/aws/bedrock-titan-embedder';
import { CloudWatchLogsInsightsSource } from '../adapters/aws/cloudwatch-logs-insights';
import { DynamoDbTokenLedger } from '../adapters/aws/dynamodb-token-ledger';
import { DynamoDbTopology } from '../adapters/aws/dynamodb-topology';
import { createServerlessOpenSearchClient } from '../adapters/aws/opensearch-client';
import { OpenSearchKnowledgeIndex } from '../adapters/aws/opensearch-knowledge-index';
import { S3KnowledgeSource } from '../adapters/aws/s3-knowledge-source';
import { SecretsManagerSecrets } from '../adapters/aws/secrets-manager-secrets';
import { ServiceNowCredentials, ServiceNowKnowledgeSource } from '../adapters/http/servicenow-knowledge-source';
import { FileTriageModelStore, noTriageModel } from '../adapters/local/file-triage-model';
import { MarkdownFolderSource } from '../adapters/local/markdown-folder-source';
import { parseLlmSettings } from '../llm/model-settings';
import { TokenBudget } from '../llm/token-budget';
import type { KnowledgeSource } from '../ports/knowledge-sync';
import type { Dependencies } from './dependencies';

type Env = (name: string) => string;
type AgentPorts =
  | 'llm'
  | 'logs'
  | 'topology'
  | 'triageModel'
  | 'knowledge'
  | 'embedder'
  | 'knowledgeWriter'
  | 'knowledgeSources';

/** One client per process; the SDK's own retries are off for Bedrock because the adapters back off themselves. */
let bedrock: BedrockRuntimeClient | undefined;
const bedrockClient = () => {
  bedrock ??= new BedrockRuntimeClient({ maxAttempts: 1 });
  return bedrock;
};

let searchIndex: OpenSearchKnowledgeIndex | undefined;

/**
 * How the agents' ports are built inside Lambda, from the environment the stack sets:
 *
 * | port | environment |
 * |---|---|
 * | llm | `LUMOS_LLM_SETTINGS` (JSON: per-agent model, budget, guardrail), `INCIDENT_TABLE_NAME` (token ledger) |
 * | logs | `LUMOS_LOG_GROUPS` (JSON: service -> log groups, `*` fallback with `{service}`) |
 * | topology | `INCIDENT_TABLE_NAME` |
 * | triageModel | `TRIAGE_MODEL_PATH` (a model file shipped with the function), else none |
 * | knowledge, knowledgeWriter | `KNOWLEDGE_COLLECTION_ENDPOINT`, `KNOWLEDGE_INDEX_NAME`, `AWS_REGION` |
 * | embedder | `BEDROCK_EMBEDDING_MODEL_ID`, `KNOWLEDGE_EMBEDDING_DIMENSIONS` (256, 512 or 1024) |
 * | knowledgeSources | `KNOWLEDGE_S3_URI` (s3://bucket/prefix), `SERVICENOW_KB_SECRET_ARN`, `KNOWLEDGE_MARKDOWN_DIR` |
 */
export function agentFactories(env: Env): { [K in AgentPorts]: () => Dependencies[K] } {
  const embedder = () =>
    new BedrockTitanEmbedder({
      client: bedrockClient(),
      modelId: process.env.BEDROCK_EMBEDDING_MODEL_ID,
      dimensions: Number(process.env.KNOWLEDGE_EMBEDDING_DIMENSIONS ?? 1024) as TitanDimensions,
    });
  const index = () => {
    searchIndex ??= new OpenSearchKnowledgeIndex({
      client: createServerlessOpenSearchClient(env('KNOWLEDGE_COLLECTION_ENDPOINT'), env('AWS_REGION')),
      index: process.env.KNOWLEDGE_INDEX_NAME ?? 'lumos-knowledge',
      embedder: embedder(),
    });
    return searchIndex;
  };
  return {
    llm: () => {
      const settings = parseLlmSettings(process.env.LUMOS_LLM_SETTINGS);
      return new BedrockLanguageModel({
        client: bedrockClient(),
        settings,
        budget: new TokenBudget(new DynamoDbTokenLedger(env('INCIDENT_TABLE_NAME')), settings.budgetTokensPerIncident),
      });
    },
    logs: () =>
      new CloudWatchLogsInsightsSource({
        client: new CloudWatchLogsClient({}),
        logGroups: JSON.parse(process.env.LUMOS_LOG_GROUPS ?? '{}') as Record<string, string[]>,
      }),
    topology: () => new DynamoDbTopology({ tableName: env('INCIDENT_TABLE_NAME') }),
    triageModel: () =>
      process.env.TRIAGE_MODEL_PATH ? new FileTriageModelStore(process.env.TRIAGE_MODEL_PATH) : noTriageModel,
    embedder,
    knowledge: index,
    knowledgeWriter: index,
    knowledgeSources: () => {
      const sources: KnowledgeSource[] = [];
      const s3 = process.env.KNOWLEDGE_S3_URI ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(process.env.KNOWLEDGE_S3_URI) : null;
      if (s3) sources.push(new S3KnowledgeSource(new S3Client({}), s3[1]!, s3[2] ?? ''));
      if (process.env.SERVICENOW_KB_SECRET_ARN) {
        const secret = new SecretsManagerSecrets(process.env.SERVICENOW_KB_SECRET_ARN);
        sources.push(
          new ServiceNowKnowledgeSource({
            // The secret holds {"instanceUrl", "username", "password"} or {"instanceUrl", "token"}.
            credentials: async () =>
              ServiceNowCredentials.parse({
                instanceUrl: await secret.get('instanceUrl'),
                username: await secret.get('username'),
                password: await secret.get('password'),
                token: await secret.get('token'),
              }),
          }),
        );
      }
      if (process.env.KNOWLEDGE_MARKDOWN_DIR)
        sources.push(new MarkdownFolderSource(process.env.KNOWLEDGE_MARKDOWN_DIR));
      return sources;
    },
  };
}
