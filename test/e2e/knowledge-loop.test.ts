import { join } from 'node:path';
import { FolderKnowledgeDrafts } from '../../lambdas/adapters/local/folder-knowledge-drafts';
import { renderDraftArticle, verifiedFixOf } from '../../lambdas/knowledge/knowledge-drafts';
import { eventually, type LocalLumos, startLocalLumos } from '../support/local-runtime';
import { triagedIncident } from '../unit/governance/fakes';

/**
 * The knowledge loop on the real local runtime: a draft (as the Postmortem step writes it) is listed as pending
 * review and is not searchable; Lumos cannot approve it; a person approves it over the API; the scheduled knowledge
 * sync indexes it, and a search for the same failure finds it.
 */
describe('knowledge loop: draft -> approve -> sync -> retrievable', () => {
  let lumos: LocalLumos;
  const draftId = 'inventory-svc-crash-loop-restart-service';
  const query = 'inventory-svc crash loop restart';

  beforeAll(async () => {
    lumos = await startLocalLumos({ LUMOS_KNOWLEDGE_SYNC_SECONDS: '1' });
  }, 120_000);
  afterAll(async () => {
    await lumos?.stop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${lumos.api}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const approve = async (approver: string) => {
    const response = await fetch(`${lumos.api}/knowledge/drafts/${draftId}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ approver }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const found = async () => {
    const { body } = await get(`/knowledge/search?q=${encodeURIComponent(query)}&k=5`);
    const hits = (body.results ?? []) as { articleId: string }[];
    return hits.some((hit) => hit.articleId === `${draftId}.md`);
  };

  it('keeps a draft pending until a person approves it, then serves it from search', async () => {
    const incident = triagedIncident({
      status: 'resolved',
      agents: {
        ...triagedIncident().agents,
        execution: { runbook: { runbookId: 'restart-service', status: 'succeeded', summary: 'restarted' } },
        verification: { status: 'recovered', summary: 'health check 200 after the restart' },
      },
    });
    const drafts = new FolderKnowledgeDrafts(join(lumos.home, 'knowledge'));
    await drafts.putDraft(draftId, renderDraftArticle(incident, verifiedFixOf(incident)!, new Date().toISOString()));

    const listed = await get('/knowledge/drafts');
    expect(listed.status).toBe(200);
    expect(listed.body.drafts).toEqual([
      expect.objectContaining({ draftId, status: 'pending-review', sourceIncident: incident.incidentId }),
    ]);
    await new Promise((r) => setTimeout(r, 2500)); // two sync runs
    expect(await found()).toBe(false);

    expect((await approve('lumos')).status).toBe(403);
    expect((await approve('not-an-approver@example.com')).status).toBe(403);
    const approved = await approve('vera.lund@example.com');
    expect(approved).toMatchObject({ status: 200, body: { status: 'approved', approvedBy: 'vera.lund@example.com' } });
    expect((await get('/knowledge/drafts')).body.drafts).toEqual([]);
    expect((await approve('vera.lund@example.com')).status).toBe(409);

    await eventually(async () => ((await found()) ? true : undefined), 30_000, 'the approved article in search');
  }, 90_000);
});
