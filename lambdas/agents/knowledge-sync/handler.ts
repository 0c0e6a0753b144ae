import { observed } from '../../runtime/observed';
import { knowledgeSources } from '../../runtime/ports/knowledge-sources';
import { knowledgeWriter } from '../../runtime/ports/knowledge-writer';
import { logger } from '../../shared/observability';
import { syncKnowledge } from './core';

/**
 * Scheduled function `KnowledgeSync`: brings the search index in line with every configured knowledge source
 * (markdown folder, S3 prefix, ServiceNow `kb_knowledge`): new and changed articles re-chunked and re-embedded,
 * removed ones deleted.
 */
export const handler = observed<unknown, { sources: Awaited<ReturnType<typeof syncKnowledge>> }>().handler(async () => {
  const reports = await syncKnowledge(knowledgeSources(), knowledgeWriter());
  for (const report of reports) logger.info('knowledge source synced', { ...report });
  return { sources: reports };
});
