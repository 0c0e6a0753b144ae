import type { APIGatewayProxyEvent, Context, ScheduledEvent } from 'aws-lambda';
import { publishMetricPoints } from '../metrics/emf-publisher';
import { metricPoints } from '../metrics/metric-points';
import { summarizeOutcomes } from '../metrics/outcome-summary';
import { summaryWindow } from '../metrics/summary-window';
import { httpHandler } from '../runtime/http-handler';
import { observed } from '../runtime/observed';
import { clock } from '../runtime/ports/clock';
import { incidentReader } from '../runtime/ports/incident-reader';
import { NotFoundError } from '../shared/errors';
import { json } from '../shared/http';
import { logger } from '../shared/observability';

/** Incidents read per request (newest first): enough for a month at a few hundred incidents a day. */
const INCIDENT_LIMIT = 2000;
/** The schedule's period; each run publishes the events of the period that just ended. */
const PUBLISH_PERIOD_MS = 5 * 60_000;

/** `GET /metrics/summary?days=|from=&to=`: outcome metrics split by AI and human handling. */
const api = httpHandler(async (event) => {
  if (event.httpMethod !== 'GET' || !event.path.replace(/\/$/, '').endsWith('/metrics/summary')) {
    throw new NotFoundError(`no route for ${event.httpMethod} ${event.path}`);
  }
  const now = clock().now();
  const window = summaryWindow(event.queryStringParameters ?? {}, now);
  const incidents = await incidentReader().list({ limit: INCIDENT_LIMIT });
  const oldest = incidents[incidents.length - 1];
  const truncated =
    incidents.length >= INCIDENT_LIMIT && !!oldest && Date.parse(oldest.createdAt) > window.from.getTime();
  return json(200, summarizeOutcomes(incidents, { ...window, now, truncated }));
});

/**
 * EventBridge schedule (every 5 minutes): publishes the outcome events of the last whole period as CloudWatch
 * embedded metrics, for the operations dashboard and its SLA-breach and approval-backlog alarms.
 */
const publish = observed<ScheduledEvent, { published: number; from: string; to: string }>().handler(async (event) => {
  const at = Date.parse(event.time ?? '') || clock().now().getTime();
  const to = new Date(Math.floor(at / PUBLISH_PERIOD_MS) * PUBLISH_PERIOD_MS);
  const from = new Date(to.getTime() - PUBLISH_PERIOD_MS);
  const incidents = await incidentReader().list({ limit: INCIDENT_LIMIT });
  const published = publishMetricPoints(metricPoints(incidents, { from, to }));
  logger.info('published outcome metrics', { published, from: from.toISOString(), to: to.toISOString() });
  return { published, from: from.toISOString(), to: to.toISOString() };
});

const isScheduled = (event: unknown): event is ScheduledEvent =>
  typeof event === 'object' && event !== null && (event as ScheduledEvent)['detail-type'] === 'Scheduled Event';

/** One function, two triggers: the API route, and the schedule that publishes the same metrics to CloudWatch. */
export const handler = (event: APIGatewayProxyEvent | ScheduledEvent, context: Context) =>
  isScheduled(event) ? publish(event, context) : api(event as APIGatewayProxyEvent, context);
