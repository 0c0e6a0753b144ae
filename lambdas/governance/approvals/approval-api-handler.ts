import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod';
import { httpHandler } from '../../runtime/http-handler';
import { approvalStore } from '../../runtime/ports/approval-store';
import { notifier } from '../../runtime/ports/notifier';
import { taskCallbacks } from '../../runtime/ports/task-callbacks';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { header, json, rawBody } from '../../shared/http';
import { gatePorts, withPorts } from '../governance-deps';
import { approvalPage } from './approval-page';
import { decide, publicView, review } from './approval-service';
import { linkKeys } from './link-keys';

const DecisionBody = z.object({
  decision: z.enum(['approve', 'reject']),
  token: z.string().min(1).max(2048),
  comment: z.string().max(2000).optional(),
});

const Status = z.enum(['pending', 'approved', 'rejected', 'expired']);

/** The decision from a JSON body, a form post, or (for links in messages) the query string; the body wins. */
function decisionInput(event: APIGatewayProxyEvent): z.infer<typeof DecisionBody> {
  const text = rawBody(event);
  let body: Record<string, unknown> = {};
  if (text.trim()) {
    const type = header(event, 'content-type') ?? '';
    if (type.includes('application/x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(text));
    } else {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch (error) {
        throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, 'invalid_json');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new BadRequestError('body must be a JSON object');
    }
  }
  const query = event.queryStringParameters ?? {};
  const parsed = DecisionBody.safeParse({
    decision: body.decision ?? query.decision,
    token: body.token ?? query.token,
    ...((body.comment ?? query.comment) ? { comment: body.comment ?? query.comment } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(
      issue.path[0] === 'decision'
        ? 'decision must be "approve" or "reject"'
        : `${issue.path.join('.')}: ${issue.message}`,
      'invalid_body',
      String(issue.path[0] ?? ''),
    );
  }
  return parsed.data;
}

/**
 * Approvals API: `GET /approvals?status=pending` (IAM), `GET /approvals/{approvalId}?token=` (the review a link
 * opens; JSON, or HTML for browsers; never decides), `POST /approvals/{approvalId}/decision` with
 * `{"decision": "approve"|"reject", "token", "comment"}`.
 */
export const handler = httpHandler(async (event) => {
  const segments = event.path.split('/').filter(Boolean);
  const approvalId = event.pathParameters?.approvalId ?? (segments[1] ? decodeURIComponent(segments[1]) : undefined);
  if (event.httpMethod === 'GET' && segments.length === 1) {
    const raw = event.queryStringParameters?.status;
    const status = raw ? Status.safeParse(raw) : undefined;
    if (status && !status.success) {
      throw new BadRequestError(`status must be one of ${Status.options.join(', ')}`, 'invalid_query', 'status');
    }
    const approvals = await approvalStore().list({ status: status?.data, limit: 200 });
    return json(200, { approvals: approvals.map(publicView) });
  }
  if (event.httpMethod === 'GET' && approvalId && segments.length === 2) {
    const view = await review(
      Object.assign(gatePorts(event), { linkKeys }),
      approvalId,
      event.queryStringParameters?.token,
    );
    if ((header(event, 'accept') ?? '').includes('text/html')) {
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'",
        },
        body: approvalPage(view),
      };
    }
    return json(200, view);
  }
  if (event.httpMethod === 'POST' && approvalId && segments[2] === 'decision') {
    const input = decisionInput(event);
    const result = await decide(
      withPorts(Object.assign(gatePorts(event), { linkKeys }), { notifier, workflow: taskCallbacks }),
      {
        approvalId,
        ...input,
      },
    );
    return json(result.status === 'pending' ? 202 : 200, result);
  }
  throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
});
