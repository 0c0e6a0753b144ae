import { BedrockTitanEmbedder, type TitanDimensions } from '../../adapters/aws/bedrock-titan-embedder';
import { createServerlessOpenSearchClient } from '../../adapters/aws/opensearch-client';
import { OpenSearchKnowledgeIndex } from '../../adapters/aws/opensearch-knowledge-index';
import { bedrockClient } from './bedrock-client';
import { env } from './env';

let index: OpenSearchKnowledgeIndex | undefined;

/**
 * The knowledge index on OpenSearch Serverless (`KNOWLEDGE_COLLECTION_ENDPOINT`, `KNOWLEDGE_INDEX_NAME`,
 * `AWS_REGION`), embedding with Titan (`BEDROCK_EMBEDDING_MODEL_ID`, `KNOWLEDGE_EMBEDDING_DIMENSIONS`: 256, 512 or
 * 1024). One object per process serves both the search and the write side.
 */
export function openSearchKnowledgeIndex(): OpenSearchKnowledgeIndex {
  index ??= new OpenSearchKnowledgeIndex({
    client: createServerlessOpenSearchClient(env('KNOWLEDGE_COLLECTION_ENDPOINT'), env('AWS_REGION')),
    index: process.env.KNOWLEDGE_INDEX_NAME ?? 'lumos-knowledge',
    embedder: new BedrockTitanEmbedder({
      client: bedrockClient(),
      modelId: process.env.BEDROCK_EMBEDDING_MODEL_ID,
      dimensions: Number(process.env.KNOWLEDGE_EMBEDDING_DIMENSIONS ?? 1024) as TitanDimensions,
    }),
  });
  return index;
}
