import { IncidentStatus } from '../core/incident';
import { httpHandler } from '../runtime/http-handler';
import { incidentReader } from '../runtime/ports/incident-reader';
import { knowledgeIndex } from '../runtime/ports/knowledge-index';
import { BadRequestError, NotFoundError } from '../shared/errors';
import { json } from '../shared/http';

function intParam(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new BadRequestError(`${name} must be an integer from 1 to ${max}`, 'invalid_query', name);
  return n;
}

/** Read API: `GET /incidents`, `GET /incidents/{incidentId}`, `GET /knowledge/search?q=&k=`. */
export const handler = httpHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  const segments = event.path.split('/').filter(Boolean);
  if (segments[0] === 'incidents' && segments.length === 2) {
    const incidentId = decodeURIComponent(event.pathParameters?.incidentId ?? segments[1]!);
    const incident = await incidentReader().get(incidentId);
    if (!incident) throw new NotFoundError(`incident ${incidentId} does not exist`);
    return json(200, incident);
  }
  if (segments[0] === 'incidents' && segments.length === 1) {
    const status = query.status ? IncidentStatus.safeParse(query.status) : undefined;
    if (status && !status.success) {
      throw new BadRequestError(
        `status must be one of ${IncidentStatus.options.join(', ')}`,
        'invalid_query',
        'status',
      );
    }
    const incidents = await incidentReader().list({
      status: status?.data,
      limit: intParam(query.limit, 'limit', 50, 500),
    });
    return json(200, { incidents });
  }
  if (segments[0] === 'knowledge' && segments[1] === 'search') {
    const q = (query.q ?? '').trim();
    if (!q) throw new BadRequestError('q is required', 'invalid_query', 'q');
    const results = await knowledgeIndex().search(q, intParam(query.k, 'k', 5, 50));
    return json(200, { results });
  }
  throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
});
