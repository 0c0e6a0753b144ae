import { writeBack } from '../../itsm/write-back';
import { type CitedArticle, draftKnowledgeArticle } from '../../knowledge/knowledge-drafts';
import type { KnowledgeChunkReader } from '../../ports/knowledge-sync';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock as clockPort } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { itsm } from '../../runtime/ports/itsm';
import { knowledgeDrafts } from '../../runtime/ports/knowledge-drafts';
import { knowledgeIndex } from '../../runtime/ports/knowledge-index';
import { workflowStep } from '../../runtime/workflow-step';
import { StepInput } from '../step-input';
import { writePostmortem } from './core';

/** A cited article's title, keywords and text, from the index's chunks (none if the index cannot list them). */
async function readArticle(articleId: string): Promise<CitedArticle | undefined> {
  const index = knowledgeIndex() as Partial<KnowledgeChunkReader>;
  if (typeof index.chunksOf !== 'function') return undefined;
  const chunks = await index.chunksOf(articleId);
  if (chunks.length === 0) return undefined;
  return {
    articleId,
    title: chunks[0]!.title,
    keywords: [...new Set(chunks.flatMap((c) => (c as { keywords?: string[] }).keywords ?? []))],
    text: chunks.map((c) => `${c.section ?? ''} ${c.text}`).join('\n'),
  };
}

/**
 * Workflow step `Postmortem`: a closed incident's postmortem draft on its ticket, and a draft knowledge article for
 * review when its verified fix is new to the knowledge base.
 */
export const handler = workflowStep(StepInput, ({ incidentId }): Promise<{ status: string; draftArticle?: string }> => {
  const store = incidentStore();
  const clock = clockPort();
  return writePostmortem(
    {
      store,
      clock,
      writeBack: (incident, purpose, update) =>
        writeBack({ store, itsm: itsm(), clock, audit: auditTrail() }, incident, purpose, update),
      draftArticle: (incident) =>
        draftKnowledgeArticle({ drafts: knowledgeDrafts(), audit: auditTrail(), clock, readArticle }, incident),
    },
    incidentId,
  );
});
