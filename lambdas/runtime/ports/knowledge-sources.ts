import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { S3KnowledgeSource } from '../../adapters/aws/s3-knowledge-source';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { ServiceNowCredentials, ServiceNowKnowledgeSource } from '../../adapters/http/servicenow-knowledge-source';
import { MarkdownFolderSource } from '../../adapters/local/markdown-folder-source';
import type { KnowledgeSource } from '../../ports/knowledge-sync';
import { definePort } from '../dependencies';

/**
 * Where the knowledge sync reads articles: the articles bucket (`KNOWLEDGE_S3_URI`, s3://bucket/prefix), a
 * ServiceNow knowledge base when the stage has one (`SERVICENOW_KB_SECRET_ARN`), a folder (`KNOWLEDGE_MARKDOWN_DIR`).
 */
export const knowledgeSources = definePort<KnowledgeSource[]>(
  'knowledgeSources',
  { access: ['readKnowledgeArticles'], env: ['KNOWLEDGE_S3_URI'] },
  () => {
    const sources: KnowledgeSource[] = [];
    const s3 = process.env.KNOWLEDGE_S3_URI ? /^s3:\/\/([^/]+)\/?(.*)$/.exec(process.env.KNOWLEDGE_S3_URI) : null;
    if (s3) sources.push(new S3KnowledgeSource(new S3Client({}), s3[1]!, s3[2] ?? ''));
    if (process.env.SERVICENOW_KB_SECRET_ARN) {
      const secret = new SecretsManagerSecrets(process.env.SERVICENOW_KB_SECRET_ARN, new SecretsManagerClient({}));
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
    if (process.env.KNOWLEDGE_MARKDOWN_DIR) sources.push(new MarkdownFolderSource(process.env.KNOWLEDGE_MARKDOWN_DIR));
    return sources;
  },
);
