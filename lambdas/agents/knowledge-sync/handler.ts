import middy from '@middy/core';
import '../../runtime/aws/agents-knowledge';
import '../../runtime/aws/agents-knowledge-sources';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { syncKnowledge } from './core';

/**
 * Scheduled function `KnowledgeSync`: brings the search index in line with every configured knowledge source
 * (markdown folder, S3 prefix, ServiceNow `kb_knowledge`): new and changed articles re-chunked and re-embedded,
 * removed ones deleted.
 */
export const handler = middy<unknown, { sources: Awaited<ReturnType<typeof syncKnowledge>> }>().handler(async () => {
  const reports = await syncKnowledge(dependency('knowledgeSources'), dependency('knowledgeWriter'));
  for (const report of reports) logger.info('knowledge source synced', { ...report });
  return { sources: reports };
});
