import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderKnowledgeDrafts } from '../../../lambdas/adapters/local/folder-knowledge-drafts';
import type { Incident } from '../../../lambdas/core/incident';
import {
  approveKnowledgeDraft,
  type CitedArticle,
  coversFix,
  draftIdOf,
  draftKnowledgeArticle,
  parseDraft,
  pendingDrafts,
  renderDraftArticle,
  verifiedFixOf,
} from '../../../lambdas/knowledge/knowledge-drafts';
import { ManualClock, MemoryAuditTrail, triagedIncident } from '../governance/fakes';

const resolved = (overrides: Partial<Incident> = {}): Incident => {
  const base = triagedIncident();
  return triagedIncident({
    status: 'resolved',
    agents: {
      ...base.agents,
      execution: { runbook: { runbookId: 'restart-service', status: 'succeeded', summary: 'restarted, healthy' } },
      verification: {
        status: 'recovered',
        summary: 'post-checks passed',
        checks: [{ name: 'healthy', ok: true, detail: '200' }],
      },
      knowledge: { articles: [{ articleId: 'services/inventory-svc.md' }] },
    },
    ...overrides,
  });
};

const article = (text: string, keywords: string[] = []): CitedArticle => ({
  articleId: 'services/inventory-svc.md',
  title: 'Runbook notes',
  keywords,
  text,
});

let root: string;
let drafts: FolderKnowledgeDrafts;
let audit: MemoryAuditTrail;
const clock = new ManualClock(new Date('2026-12-03T10:00:00Z'));
const people = new Set(['vera.lund@example.com']);
const isPerson = (who: string) => people.has(who);

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lumos-drafts-'));
  drafts = new FolderKnowledgeDrafts(root);
  audit = new MemoryAuditTrail(clock);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('which incidents teach the knowledge base something', () => {
  it('takes the fix of a resolved incident whose recovery was verified after a runbook ran', () => {
    expect(verifiedFixOf(resolved())).toEqual({
      service: 'inventory-svc',
      seenOn: 'inventory-svc',
      failureMode: 'crash-loop',
      runbookId: 'restart-service',
      component: 'inventory-svc',
    });
  });

  it('names the service the runbook acted on when the cause lay upstream of where the incident showed', () => {
    const upstream = resolved({ service: 'web-frontend' });
    const fix = verifiedFixOf(upstream)!;
    expect(fix).toMatchObject({ service: 'inventory-svc', seenOn: 'web-frontend', component: 'inventory-svc' });
    expect(draftIdOf(fix)).toBe('inventory-svc-crash-loop-restart-service');
    const markdown = renderDraftArticle(upstream, fix, '2026-12-03T10:00:00Z');
    expect(markdown).toContain('Run the runbook `restart-service` for inventory-svc.');
    expect(markdown).toContain('Seen on web-frontend.');
    expect(parseDraft(draftIdOf(fix), markdown).services).toEqual(['inventory-svc', 'web-frontend']);
  });

  it('takes nothing from an open, self-recovered, failed or undiagnosed incident', () => {
    const base = resolved();
    expect(verifiedFixOf({ ...base, status: 'triaged' })).toBeUndefined();
    expect(
      verifiedFixOf({ ...base, agents: { ...base.agents, verification: { status: 'self-recovered' } } }),
    ).toBeUndefined();
    expect(
      verifiedFixOf({
        ...base,
        agents: { ...base.agents, execution: { runbook: { runbookId: 'restart-service', status: 'rolled_back' } } },
      }),
    ).toBeUndefined();
    expect(
      verifiedFixOf({ ...base, agents: { ...base.agents, diagnosis: { status: 'inconclusive' } } }),
    ).toBeUndefined();
  });

  it('counts an article as covering the fix only when it names the service, the failure mode and the action', () => {
    const fix = verifiedFixOf(resolved())!;
    expect(coversFix(article('When inventory-svc is in a crash loop, restart the service.'), fix)).toBe(true);
    expect(coversFix(article('inventory-svc: restart the service when it hangs.'), fix)).toBe(false);
    expect(coversFix(article('A crash loop: restart the service.'), fix)).toBe(false);
    expect(coversFix(article('inventory-svc crash loop: roll back the release.'), fix)).toBe(false);
    expect(coversFix(article('Notes', ['inventory-svc', 'crash-loop', 'restart-service']), fix)).toBe(true);
  });
});

describe('the knowledge loop', () => {
  const readNothingUseful = async () => article('inventory-svc is owned by Commerce; it has no dependencies.');

  it('drafts an article pending review when no cited article covers the fix, once per fix, and audits it', async () => {
    const deps = { drafts, audit, clock, readArticle: readNothingUseful };
    await expect(draftKnowledgeArticle(deps, resolved())).resolves.toEqual({
      ref: 'drafts/inventory-svc-crash-loop-restart-service.md',
    });
    await expect(draftKnowledgeArticle(deps, resolved({ incidentId: 'inc-test-2' }))).resolves.toBeUndefined();
    const pending = await pendingDrafts(drafts);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      status: 'pending-review',
      services: ['inventory-svc'],
      failureMode: 'crash-loop',
      runbook: 'restart-service',
      sourceIncident: 'inc-test-1',
      draftedBy: 'lumos',
    });
    expect(audit.types('inc-test-1')).toEqual(['knowledge.drafted']);
    expect(readdirSync(root)).toEqual(['drafts']);
  });

  it('drafts nothing when a cited article already covers the fix', async () => {
    const covered = async () => article('inventory-svc crash loop: restart the service (runbook restart-service).');
    await expect(
      draftKnowledgeArticle({ drafts, audit, clock, readArticle: covered }, resolved()),
    ).resolves.toBeUndefined();
    expect(await drafts.listDrafts()).toEqual([]);
  });

  it('publishes a draft a person approves, with the approver in the article and the audit trail', async () => {
    await draftKnowledgeArticle({ drafts, audit, clock, readArticle: readNothingUseful }, resolved());
    const id = 'inventory-svc-crash-loop-restart-service';
    const approved = await approveKnowledgeDraft({ drafts, audit, clock, isPerson }, id, 'Vera.Lund@example.com');
    expect(approved).toMatchObject({
      status: 'approved',
      approvedBy: 'vera.lund@example.com',
      approvedAt: '2026-12-03T10:00:00.000Z',
    });
    expect(await drafts.listDrafts()).toEqual([]);
    const published = readFileSync(join(drafts.approvedDir, `${id}.md`), 'utf8');
    expect(published).toMatch(/^---\n[\s\S]*status: approved[\s\S]*approvedBy: vera.lund@example.com[\s\S]*\n---\n/);
    expect(published).toContain('## Fix');
    const records = await audit.list('inc-test-1');
    expect(records.map((r) => [r.type, r.actor])).toEqual([
      ['knowledge.drafted', 'agent:postmortem'],
      ['knowledge.approved', 'human:vera.lund@example.com'],
    ]);
    // A later incident with the same fix: the article is approved, no new draft.
    await expect(
      draftKnowledgeArticle(
        { drafts, audit, clock, readArticle: readNothingUseful },
        resolved({ incidentId: 'inc-3' }),
      ),
    ).resolves.toBeUndefined();
  });

  it('refuses approval by Lumos or by someone off the approver rosters (403), twice (409), and of nothing (404)', async () => {
    await draftKnowledgeArticle({ drafts, audit, clock, readArticle: readNothingUseful }, resolved());
    const id = 'inventory-svc-crash-loop-restart-service';
    const deps = { drafts, audit, clock, isPerson };
    for (const who of ['lumos', 'agent:postmortem', 'mallory@example.com'])
      await expect(approveKnowledgeDraft(deps, id, who)).rejects.toMatchObject({
        statusCode: 403,
        code: 'not_a_person',
      });
    expect(await drafts.listDrafts()).toEqual([id]);
    await approveKnowledgeDraft(deps, id, 'vera.lund@example.com');
    await expect(approveKnowledgeDraft(deps, id, 'vera.lund@example.com')).rejects.toMatchObject({ statusCode: 409 });
    await expect(approveKnowledgeDraft(deps, 'no-such-draft', 'vera.lund@example.com')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(approveKnowledgeDraft(deps, '../etc/passwd', 'vera.lund@example.com')).rejects.toMatchObject({
      statusCode: 400,
    });
  });
});
