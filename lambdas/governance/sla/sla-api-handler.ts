import * as z from 'zod';
import { httpHandler } from '../../runtime/http-handler';
import { incidentStore } from '../../runtime/ports/incident-store';
import { BadRequestError, NotFoundError } from '../../shared/errors';
import { json, rawBody } from '../../shared/http';
import { pauseSla, resumeSla } from './sla-clock';
import { slaPausePorts } from './sla-pause-ports';

const PauseBody = z.object({ reason: z.string().min(1).max(500).default('awaiting customer') });

/**
 * SLA API: `GET /incidents/{incidentId}/sla`, `POST /incidents/{incidentId}/sla/pause` (`{"reason"}`; while
 * waiting on the customer) and `POST /incidents/{incidentId}/sla/resume`.
 */
export const handler = httpHandler(async (event) => {
  const segments = event.path.split('/').filter(Boolean);
  const incidentId = event.pathParameters?.incidentId ?? decodeURIComponent(segments[1] ?? '');
  const verb = segments[3];
  if (event.httpMethod === 'GET' && !verb) {
    const incident = await incidentStore().get(incidentId);
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
    return json(200, { incidentId, sla: await pauseSla(slaPausePorts(), incidentId, parsed.data.reason) });
  }
  if (event.httpMethod === 'POST' && verb === 'resume') {
    return json(200, { incidentId, sla: await resumeSla(slaPausePorts(), incidentId) });
  }
  throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
});
