import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, ScheduledEvent } from 'aws-lambda';
import { handler } from '../../../lambdas/api/metrics-api-handler';
import { provideDependencies, resetDependencies } from '../../../lambdas/runtime/dependencies';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { approvedByPerson, at, autoResolved } from './incident-fixtures';

const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

const get = (query: Record<string, string> | null, path = '/metrics/summary') =>
  handler(
    { httpMethod: 'GET', path, queryStringParameters: query, headers: {} } as unknown as APIGatewayProxyEvent,
    context,
  ) as Promise<APIGatewayProxyResult>;

describe('metrics API handler', () => {
  const store = new MemoryIncidentStore();

  beforeAll(async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    for (const incident of [autoResolved(), approvedByPerson()]) await store.create(incident);
    provideDependencies({ store, clock: { now: () => new Date(at(7200)) } });
  });
  afterAll(() => resetDependencies());

  it('answers GET /metrics/summary with the outcome metrics of the last 30 days', async () => {
    const response = await get(null);
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body.incidents.total).toBe(2);
    expect(body.metrics.mttr.ai.mean).toBe(600);
    expect(body.metrics.mttr.human.mean).toBe(1800);
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(30 * 86_400_000);
  });

  it('narrows the window with days', async () => {
    const body = JSON.parse((await get({ days: '1' })).body);
    expect(body.daily).toHaveLength(2);
  });

  it.each([
    [{ days: '0' }, 'days'],
    [{ days: 'week' }, 'days'],
    [{ from: 'yesterday' }, 'from'],
    [{ from: at(0), to: at(-10) }, 'from'],
  ])('rejects %j with a 400 naming %s', async (query, field) => {
    const response = await get(query);
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.field).toBe(field);
  });

  it('answers 404 for a path it does not serve', async () => {
    expect((await get(null, '/metrics/other')).statusCode).toBe(404);
  });

  it('publishes the last whole five minutes when the schedule invokes it', async () => {
    const event = {
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: at(903),
    } as unknown as ScheduledEvent;
    const result = (await handler(event, context)) as { published: number; from: string; to: string };
    expect(result.from).toBe(at(600));
    expect(result.to).toBe(at(900));
    // The backlog gauges, plus the resolution at 600 s (its duration and its count).
    expect(result.published).toBe(6);
  });
});
