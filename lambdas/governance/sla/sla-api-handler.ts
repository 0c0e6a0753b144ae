import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { z } from 'zod';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-scheduler';
import '../../runtime/aws/notifier';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { httpErrors, json, rawBody } from '../../shared/http';
import { pauseSla, resumeSla } from './sla-clock';
import { slaDeps } from './sla-deps';

const PauseBody = z.object({ reason: z.string().min(1).max(500).default('awaiting customer') });

/**
 * SLA API: `GET /incidents/{incidentId}/sla`, `POST /incidents/{incidentId}/sla/pause` (`{"reason"}`; while
 * waiting on the customer) and `POST /incidents/{incidentId}/sla/resume`.
 */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const segments = event.path.split('/').filter(Boolean);
    const incidentId = event.pathParameters?.incidentId ?? decodeURIComponent(segments[1] ?? '');
    const verb = segments[3];
    if (event.httpMethod === 'GET' && !verb) {
      const incident = await dependency('store').get(incidentId);
      if (!incident) throw new NotFoundError(`incident ${incidentId} does not exist`);
      return json(200, { incidentId, sla: incident.agents.sla ?? null });
    }
    if (event.httpMethod === 'POST' && verb === 'pause') {
      const text = rawBody(event).trim();
      let body: unknown = {};
      if (text) {
        try {
          body = JSON.parse(text);
        } catch (error) {
          throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, 'invalid_json');
        }
      }
      const parsed = PauseBody.safeParse(body);
      if (!parsed.success)
        throw new BadRequestError('reason must be a string of 1 to 500 characters', 'invalid_body', 'reason');
      return json(200, { incidentId, sla: await pauseSla(slaDeps(), incidentId, parsed.data.reason) });
    }
    if (event.httpMethod === 'POST' && verb === 'resume') {
      return json(200, { incidentId, sla: await resumeSla(slaDeps(), incidentId) });
    }
    throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
  });
