/**
 * Registers where the knowledge sync reads articles from: `KNOWLEDGE_S3_URI` (s3://bucket/prefix),
 * `SERVICENOW_KB_SECRET_ARN` (ServiceNow knowledge base), `KNOWLEDGE_MARKDOWN_DIR`; each one optional.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { S3KnowledgeSource } from '../../adapters/aws/s3-knowledge-source';
import { SecretsManagerSecrets } from '../../adapters/aws/secrets-manager-secrets';
import { ServiceNowCredentials, ServiceNowKnowledgeSource } from '../../adapters/http/servicenow-knowledge-source';
import { MarkdownFolderSource } from '../../adapters/local/markdown-folder-source';
import type { KnowledgeSource } from '../../ports/knowledge-sync';
import { registerFactories } from '../dependencies';

registerFactories({
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
    if (process.env.KNOWLEDGE_MARKDOWN_DIR) sources.push(new MarkdownFolderSource(process.env.KNOWLEDGE_MARKDOWN_DIR));
    return sources;
  },
});
