import { dump as dumpYaml, load as parseYaml } from 'js-yaml';
import * as z from 'zod';
import type { Incident } from '../core/incident';
import { ConflictError, ForbiddenError } from '../governance/governance-errors';
import type { FailureMode } from '../governance/runbooks/failure-modes';
import type { AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { KnowledgeDraftStore } from '../ports/knowledge-drafts';
import { BadRequestError, NotFoundError } from '../shared/errors';

/** A fix Lumos applied and verified: the failure mode it fixed, on which service, with which runbook. */
export interface VerifiedFix {
  /** The service the runbook acted on: the top hypothesis' component (the plan fills the runbook's target from it). */
  readonly service: string;
  /** Where the incident showed (its affected service); the same as `service` unless the cause lay upstream. */
  readonly seenOn: string;
  readonly failureMode: FailureMode;
  readonly runbookId: string;
  readonly component: string;
}

/** What the covering check reads of a cited article. */
export interface CitedArticle {
  readonly articleId: string;
  readonly title: string;
  /** Front-matter services and keywords. */
  readonly keywords: readonly string[];
  readonly text: string;
}

/** Words that name each failure mode in an article (its own words always count too). */
const FAILURE_MODE_WORDS: Readonly<Record<FailureMode, readonly string[]>> = {
  'bad-deployment': ['bad deployment', 'bad release', 'after a deployment', 'after deploy', 'faulty release'],
  'config-change': ['config change', 'configuration change'],
  'disk-exhaustion': ['disk full', 'disk space', 'no space left'],
  'memory-exhaustion': ['out of memory', 'memory leak', 'oom'],
  'connection-exhaustion': ['connection pool', 'too many connections', 'connections exhausted'],
  'cpu-exhaustion': ['cpu saturation', 'high cpu', 'cpu exhaustion'],
  'dependency-failure': ['dependency failure', 'downstream failure', 'upstream failure'],
  unresponsive: ['unresponsive', 'not responding', 'stopped answering', 'hung workers', 'hanging'],
  'crash-loop': ['crash loop', 'crashloop', 'crashloopbackoff', 'restarting repeatedly'],
  'certificate-expiry': ['certificate expired', 'expired certificate', 'certificate expiry'],
  'credential-expiry': ['credential expired', 'expired credential', 'expired password', 'expired token'],
  throttling: ['throttling', 'throttled', 'rate limit'],
  network: ['network', 'packet loss', 'dns'],
  unknown: [],
};

const DraftFrontMatter = z.object({
  title: z.string(),
  status: z.enum(['pending-review', 'approved']),
  services: z.array(z.string()),
  keywords: z.array(z.string()),
  failureMode: z.string(),
  runbook: z.string(),
  sourceIncident: z.string(),
  draftedAt: z.string(),
  draftedBy: z.string(),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
});
export type DraftFrontMatter = z.infer<typeof DraftFrontMatter>;

/** A draft as the API lists it. */
export interface KnowledgeDraft extends DraftFrontMatter {
  readonly draftId: string;
  readonly markdown: string;
}

const DRAFT_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;

const normalise = (text: string) =>
  ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `;
const mentions = (haystack: string, phrase: string) => {
  const needle = normalise(phrase).trim();
  return (
    needle !== '' && (haystack.includes(` ${needle} `) || haystack.replace(/ /g, '').includes(needle.replace(/ /g, '')))
  );
};

/**
 * The fix of an incident that closed resolved with recovery verified after Lumos ran a runbook for a diagnosed
 * failure mode; none for anything else (self-recovered, a person's fix, a service request, an undiagnosed cause).
 */
export function verifiedFixOf(incident: Incident): VerifiedFix | undefined {
  if (incident.status !== 'resolved' && incident.status !== 'closed') return undefined;
  const verification = incident.agents.verification as { status?: string } | undefined;
  if (verification?.status !== 'recovered') return undefined;
  const execution = incident.agents.execution as { runbook?: { runbookId?: string; status?: string } } | undefined;
  const runbookId = execution?.runbook?.runbookId;
  if (!runbookId || execution?.runbook?.status !== 'succeeded') return undefined;
  const diagnosis = incident.agents.diagnosis as
    | { status?: string; hypotheses?: { component?: string; failureMode?: FailureMode }[] }
    | undefined;
  const top = diagnosis?.status === 'ok' ? diagnosis.hypotheses?.[0] : undefined;
  if (!top?.failureMode || top.failureMode === 'unknown' || !top.component) return undefined;
  return {
    service: top.component,
    seenOn: incident.service ?? top.component,
    failureMode: top.failureMode,
    runbookId,
    component: top.component,
  };
}

/** Whether an article covers the fix: it names the service, the failure mode and the action (the runbook). */
export function coversFix(article: CitedArticle, fix: VerifiedFix): boolean {
  const text = normalise([article.title, article.keywords.join(' '), article.text].join(' '));
  const service = mentions(text, fix.service);
  const mode = [fix.failureMode, ...FAILURE_MODE_WORDS[fix.failureMode]].some((p) => mentions(text, p));
  const action =
    mentions(text, fix.runbookId) ||
    fix.runbookId
      .split('-')
      .filter((w) => w.length > 2)
      .every((w) => mentions(text, w));
  return service && mode && action;
}

/** The id of the draft for a fix: one draft per service, failure mode and runbook. */
export function draftIdOf(fix: VerifiedFix): string {
  return `${fix.service}-${fix.failureMode}-${fix.runbookId}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 128);
}

/** The draft article: front matter the knowledge sync indexes (services, keywords) and what was learnt. */
export function renderDraftArticle(incident: Incident, fix: VerifiedFix, at: string): string {
  const verification = incident.agents.verification as
    | { summary?: string; checks?: { name: string; ok: boolean; detail: string }[] }
    | undefined;
  const execution = incident.agents.execution as { runbook?: { summary?: string } } | undefined;
  const diagnosis = incident.agents.diagnosis as { summary?: string } | undefined;
  const title = `${fix.service}: ${fix.failureMode.replace(/-/g, ' ')} fixed by ${fix.runbookId}`;
  const front: DraftFrontMatter = {
    title,
    status: 'pending-review',
    services: [...new Set([fix.service, fix.seenOn])],
    keywords: [fix.failureMode, fix.failureMode.replace(/-/g, ' '), fix.runbookId, fix.runbookId.replace(/-/g, ' ')],
    failureMode: fix.failureMode,
    runbook: fix.runbookId,
    sourceIncident: incident.incidentId,
    draftedAt: at,
    draftedBy: 'lumos',
  };
  return [
    '---',
    dumpYaml(front, { lineWidth: -1 }).trimEnd(),
    '---',
    '',
    `# ${title}`,
    '',
    '## Symptoms',
    `${fix.seenOn === fix.service ? '' : `Seen on ${fix.seenOn}. `}${incident.title}${incident.description ? `\n\n${incident.description.slice(0, 600)}` : ''}`,
    '',
    '## Cause',
    `${fix.failureMode.replace(/-/g, ' ')} in ${fix.component}${diagnosis?.summary ? `: ${diagnosis.summary}` : ''}`,
    '',
    '## Fix',
    `Run the runbook \`${fix.runbookId}\` for ${fix.service}.${execution?.runbook?.summary ? ` ${execution.runbook.summary}` : ''}`,
    '',
    '## How recovery was verified',
    verification?.summary ?? 'The runbook post-checks passed.',
    ...(verification?.checks ?? []).filter((c) => c.ok).map((c) => `- ${c.name}: ${c.detail}`),
    '',
    '## Source',
    `Drafted by Lumos from incident ${incident.externalId} (${incident.incidentId}) on ${at.slice(0, 10)}. A reviewer checks it before it is published.`,
    '',
  ].join('\n');
}

/** Reads a draft's front matter and body; throws if the front matter is not a draft's. */
export function parseDraft(draftId: string, markdown: string): KnowledgeDraft {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(markdown);
  const front = DraftFrontMatter.parse(match ? parseYaml(match[1]!) : {});
  return { ...front, draftId, markdown };
}

/** What {@link draftKnowledgeArticle} needs. */
export interface DraftArticleDeps {
  readonly drafts: KnowledgeDraftStore;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  /** Reads a cited article (title, keywords, text); undefined when the index cannot. */
  readonly readArticle: (articleId: string) => Promise<CitedArticle | undefined>;
}

/**
 * The knowledge loop's first half: a resolved incident whose verified fix no cited article covers (service,
 * failure mode and action) becomes a draft article pending review. One draft per fix: a second incident with the same
 * fix, or one whose article is already approved, drafts nothing.
 */
export async function draftKnowledgeArticle(
  deps: DraftArticleDeps,
  incident: Incident,
): Promise<{ ref: string } | undefined> {
  const fix = verifiedFixOf(incident);
  if (!fix) return undefined;
  const cited = (incident.agents.knowledge as { articles?: { articleId: string }[] } | undefined)?.articles ?? [];
  for (const { articleId } of cited) {
    const article = await deps.readArticle(articleId);
    if (article && coversFix(article, fix)) return undefined;
  }
  const draftId = draftIdOf(fix);
  const at = deps.clock.now().toISOString();
  if (!(await deps.drafts.putDraft(draftId, renderDraftArticle(incident, fix, at)))) return undefined;
  await deps.audit.append(incident.incidentId, {
    type: 'knowledge.drafted',
    actor: 'agent:postmortem',
    summary: `drafted knowledge article ${draftId} for review: ${fix.failureMode} on ${fix.service} fixed by ${fix.runbookId}`,
    data: { draftId, ...fix, cited: cited.map((a) => a.articleId) },
  });
  return { ref: `drafts/${draftId}.md` };
}

/** What {@link approveKnowledgeDraft} needs. */
export interface ApproveDraftDeps {
  readonly drafts: KnowledgeDraftStore;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  /** Whether an identity is a person allowed to approve (a member of a governance approver group). */
  readonly isPerson: (identity: string) => boolean;
}

/** The drafts awaiting review, oldest first. */
export async function pendingDrafts(drafts: KnowledgeDraftStore): Promise<KnowledgeDraft[]> {
  const ids = await drafts.listDrafts();
  const found: KnowledgeDraft[] = [];
  for (const id of ids) {
    const markdown = await drafts.getDraft(id);
    if (markdown) found.push(parseDraft(id, markdown));
  }
  return found.sort((a, b) => a.draftedAt.localeCompare(b.draftedAt));
}

/**
 * A person approves a draft: the article is published with its approver (where the knowledge sync reads it) and
 * the approval goes to the source incident's audit trail. Lumos cannot approve its own drafts: the approver must be
 * a person on a governance approver roster.
 */
export async function approveKnowledgeDraft(
  deps: ApproveDraftDeps,
  draftId: string,
  approver: string,
): Promise<KnowledgeDraft> {
  if (!DRAFT_ID.test(draftId))
    throw new BadRequestError('draftId must be lower-case letters, digits and dashes', 'invalid_path', 'draftId');
  const markdown = await deps.drafts.getDraft(draftId);
  if (!markdown) {
    if (await deps.drafts.isApproved(draftId))
      throw new ConflictError(`draft ${draftId} is already approved`, 'already_approved');
    throw new NotFoundError(`draft ${draftId} does not exist`);
  }
  const draft = parseDraft(draftId, markdown);
  const who = approver.trim().toLowerCase();
  if (who === draft.draftedBy || who.startsWith('agent:') || who === 'lumos' || !deps.isPerson(who))
    throw new ForbiddenError(
      `${approver} may not approve knowledge articles: the approver must be a person on a governance approver roster, not Lumos`,
      'not_a_person',
    );
  const at = deps.clock.now().toISOString();
  const approved: DraftFrontMatter = {
    ...DraftFrontMatter.parse(draft),
    status: 'approved',
    approvedBy: who,
    approvedAt: at,
  };
  const body = markdown.replace(/^---\n[\s\S]*?\n---\n/, '');
  const published = `---\n${dumpYaml({ ...approved }, { lineWidth: -1 }).trimEnd()}\n---\n${body}`;
  await deps.drafts.approve(draftId, published);
  await deps.audit.append(draft.sourceIncident, {
    type: 'knowledge.approved',
    actor: `human:${who}`,
    summary: `${who} approved knowledge article ${draftId} for publication`,
    data: { draftId, approvedAt: at },
  });
  return parseDraft(draftId, published);
}
