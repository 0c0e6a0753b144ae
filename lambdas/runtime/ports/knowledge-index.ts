import type { KnowledgeIndex } from '../../ports/knowledge-index';
import { openSearchKnowledgeIndex } from '../aws/opensearch-knowledge';
import { definePort } from '../dependencies';

/**
 * Search over the knowledge index: OpenSearch Serverless at `KNOWLEDGE_COLLECTION_ENDPOINT`, queries embedded with
 * the Titan model `BEDROCK_EMBEDDING_MODEL_ID`.
 */
export const knowledgeIndex = definePort<KnowledgeIndex>(
  'knowledge',
  {
    access: ['knowledgeSearch', 'embeddingModel'],
    env: [
      'KNOWLEDGE_COLLECTION_ENDPOINT',
      'KNOWLEDGE_INDEX_NAME',
      'BEDROCK_EMBEDDING_MODEL_ID',
      'KNOWLEDGE_EMBEDDING_DIMENSIONS',
    ],
  },
  openSearchKnowledgeIndex,
);
