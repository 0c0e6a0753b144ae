import * as z from 'zod';
import { governanceConfig } from '../governance/governance-config';
import { approveKnowledgeDraft, parseDraft, pendingDrafts } from '../knowledge/knowledge-drafts';
import { httpHandler } from '../runtime/http-handler';
import { auditTrail } from '../runtime/ports/audit-trail';
import { clock } from '../runtime/ports/clock';
import { knowledgeDrafts } from '../runtime/ports/knowledge-drafts';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { json, rawBody } from '../shared/http';
import { actingPerson } from './caller-identity';

const ApproveBody = z.object({ approver: z.string().trim().min(3).max(254).optional() });

/** Everyone on a governance approver roster: the people who may approve. */
function isPerson(identity: string): boolean {
  const config = governanceConfig();
  return Object.values(config.approverGroups).some((members) =>
    members.some((member) => member.toLowerCase() === identity),
  );
}

/**
 * Knowledge drafts API: `GET /knowledge/drafts` (pending review), `GET /knowledge/drafts/{draftId}` and
 * `POST /knowledge/drafts/{draftId}/approve` (`{"approver"}`; when API Gateway authenticated the caller, the approver is that identity and a different
 * name in the body is refused with 403).
 */
export const handler = httpHandler(async (event) => {
  const segments = event.path.split('/').filter(Boolean);
  const draftId = decodeURIComponent(event.pathParameters?.draftId ?? segments[2] ?? '');
  if (event.httpMethod === 'GET' && segments.length === 2) {
    const drafts = await pendingDrafts(knowledgeDrafts());
    return json(200, { drafts: drafts.map(({ markdown: _markdown, ...meta }) => meta) });
  }
  if (event.httpMethod === 'GET' && segments.length === 3) {
    const markdown = await knowledgeDrafts().getDraft(draftId);
    if (markdown === undefined) throw new NotFoundError(`draft ${draftId} does not exist`);
    return json(200, parseDraft(draftId, markdown));
  }
  if (event.httpMethod === 'POST' && segments[3] === 'approve') {
    let body: unknown;
    try {
      body = JSON.parse(rawBody(event) || '{}');
    } catch (error) {
      throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, 'invalid_json');
    }
    const parsed = ApproveBody.safeParse(body);
    if (!parsed.success)
      throw new BadRequestError('approver must be the e-mail of the person approving', 'invalid_body', 'approver');
    const approver = actingPerson(event, parsed.data.approver);
    if (!approver)
      throw new BadRequestError('approver must be the e-mail of the person approving', 'invalid_body', 'approver');
    const approved = await approveKnowledgeDraft(
      { drafts: knowledgeDrafts(), audit: auditTrail(), clock: clock(), isPerson },
      draftId,
      approver,
    );
    const { markdown: _markdown, ...meta } = approved;
    return json(200, meta);
  }
  throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
});
