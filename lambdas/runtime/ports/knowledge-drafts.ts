import { S3Client } from '@aws-sdk/client-s3';
import { S3KnowledgeDrafts } from '../../adapters/aws/s3-knowledge-drafts';
import type { KnowledgeDraftStore } from '../../ports/knowledge-drafts';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Draft knowledge articles and approved ones: `drafts/` and `approved/` of the articles bucket `KNOWLEDGE_DRAFTS_BUCKET`. */
export const knowledgeDrafts = definePort<KnowledgeDraftStore>(
  'knowledgeDrafts',
  { access: ['knowledgeDrafts'], env: ['KNOWLEDGE_DRAFTS_BUCKET'] },
  () => new S3KnowledgeDrafts(new S3Client({}), env('KNOWLEDGE_DRAFTS_BUCKET')),
);
