/**
 * Registers the knowledge index (search and write side) and its embedder: OpenSearch Serverless at
 * `KNOWLEDGE_COLLECTION_ENDPOINT` (`KNOWLEDGE_INDEX_NAME`, `AWS_REGION`), Titan embeddings from
 * `BEDROCK_EMBEDDING_MODEL_ID` with `KNOWLEDGE_EMBEDDING_DIMENSIONS` (256, 512 or 1024).
 */
import { BedrockTitanEmbedder, type TitanDimensions } from '../../adapters/aws/bedrock-titan-embedder';
import { createServerlessOpenSearchClient } from '../../adapters/aws/opensearch-client';
import { OpenSearchKnowledgeIndex } from '../../adapters/aws/opensearch-knowledge-index';
import { registerFactories } from '../dependencies';
import { bedrockClient } from './bedrock-client';
import { env } from './env';

/** Search and write side are the same index object, built once. */
let searchIndex: OpenSearchKnowledgeIndex | undefined;

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

registerFactories({ embedder, knowledge: index, knowledgeWriter: index });
