import type { KnowledgeIndexWriter } from '../../ports/knowledge-sync';
import { openSearchKnowledgeIndex } from '../aws/opensearch-knowledge';
import { definePort } from '../dependencies';

/** The write side of the knowledge index (the knowledge sync): chunks embedded with `BEDROCK_EMBEDDING_MODEL_ID`. */
export const knowledgeWriter = definePort<KnowledgeIndexWriter>(
  'knowledgeWriter',
  {
    access: ['writeKnowledge', 'embeddingModel'],
    env: [
      'KNOWLEDGE_COLLECTION_ENDPOINT',
      'KNOWLEDGE_INDEX_NAME',
      'BEDROCK_EMBEDDING_MODEL_ID',
      'KNOWLEDGE_EMBEDDING_DIMENSIONS',
    ],
  },
  openSearchKnowledgeIndex,
);
