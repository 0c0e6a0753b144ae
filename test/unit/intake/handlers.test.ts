import './quiet-logs';
import type { APIGatewayProxyEvent, Context, EventBridgeEvent } from 'aws-lambda';
import { startSlaClock } from '../../../lambdas/governance/sla/sla-clock';
import { handler as eventHandler } from '../../../lambdas/intake/event-handler';
import { handler as webhookHandler } from '../../../lambdas/intake/webhook-handler';
import { provideDependencies, resetDependencies } from '../../../lambdas/runtime/dependencies';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { MemoryAuditTrail, MemoryScheduler, testPolicy } from '../governance/fakes';
import { fixture, fixtureText, ManualClock, MemoryArchive, nativeAuth, RecordingWorkflow } from './support';

/** The thin Lambda handlers over the intake core, with the ports provided as the local runtime provides them. */

const SECRET = 'handler-secret';

function context(remainingMs = 30_000): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'lumos-WebhookIntake',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:lumos-WebhookIntake',
    memoryLimitInMB: '512',
    awsRequestId: 'test',
    logGroupName: 'test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function apiEvent(route: string, body: string, headers: Record<string, string>): APIGatewayProxyEvent {
  return {
    resource: '/webhooks/{source}',
    path: `/webhooks/${route}`,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { source: route },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

describe('the intake Lambda handlers', () => {
  let store: MemoryIncidentStore;
  let workflow: RecordingWorkflow;

  beforeEach(() => {
    store = new MemoryIncidentStore();
    workflow = new RecordingWorkflow();
    provideDependencies({
      store,
      workflow,
      archive: new MemoryArchive(),
      clock: new ManualClock(new Date()),
      secrets: { get: async () => SECRET },
      topology: { topology: async () => ({ nodes: [], edges: [] }), changes: async () => [] },
    });
  });
  afterEach(() => resetDependencies());

  it('answers a signed webhook 202 with the intake answer, base64 bodies included', async () => {
    const body = fixtureText('generic/alert.json');
    const result = await webhookHandler(apiEvent('generic', body, nativeAuth('generic', body, SECRET)), context());
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'created', incidentId: expect.stringMatching(/^inc-/) });

    const encoded = {
      ...apiEvent('generic', Buffer.from(body).toString('base64'), nativeAuth('generic', body, SECRET)),
      isBase64Encoded: true,
    };
    expect(JSON.parse((await webhookHandler(encoded, context())).body)).toMatchObject({ status: 'duplicate' });
  });

  it('maps refusals to their status with a body naming the problem', async () => {
    const body = fixtureText('generic/alert.json');
    const wrong = await webhookHandler(apiEvent('generic', body, { 'X-Lumos-Signature': 'sha256=00' }), context());
    expect(wrong.statusCode).toBe(401);
    expect(JSON.parse(wrong.body).error).toMatchObject({ code: 'unauthorized' });
    const unknown = await webhookHandler(apiEvent('nagios', body, {}), context());
    expect(unknown.statusCode).toBe(404);
    const bad = '{"id": "x"}';
    const invalid = await webhookHandler(apiEvent('generic', bad, nativeAuth('generic', bad, SECRET)), context());
    expect(invalid.statusCode).toBe(400);
    expect(JSON.parse(invalid.body).error).toMatchObject({ code: 'schema_mismatch', field: 'title' });
  });

  it('answers 503 with Retry-After, not 500, when the invocation runs out of time', async () => {
    const slow = new MemoryIncidentStore({ latencyMs: 400 });
    provideDependencies({ store: slow });
    const body = fixtureText('generic/alert.json');
    const result = await webhookHandler(apiEvent('generic', body, nativeAuth('generic', body, SECRET)), context(150));
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body).error.code).toBe('deferred');
    expect(result.headers?.['retry-after']).toBe('5');
    // The abandoned attempt carries on in the background (as a frozen Lambda would on thaw); let it finish.
    for (let i = 0; i < 100 && [...slow.deliveries.values()].some((d) => d.state === 'pending'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('turns EventBridge events into answers: CloudWatch alarms and Zendesk partner events', async () => {
    const alarm = fixture('cloudwatch/alarm.json') as EventBridgeEvent<string, unknown>;
    expect(await eventHandler(alarm, context())).toMatchObject({ status: 'created' });
    const zendesk = fixture('zendesk/eventbridge-ticket-created.json') as EventBridgeEvent<string, unknown>;
    expect(await eventHandler(zendesk, context())).toMatchObject({ status: 'created' });
    expect(workflow.started).toHaveLength(2);
  });

  it('pauses the SLA clock when a Zendesk partner event says the ticket now waits on its requester', async () => {
    const clock = new ManualClock(new Date());
    const audit = new MemoryAuditTrail(clock);
    provideDependencies({ audit, scheduler: new MemoryScheduler(), clock });
    const created = fixture('zendesk/eventbridge-ticket-created.json') as EventBridgeEvent<string, unknown>;
    const { incidentId } = await eventHandler(created, context());
    await startSlaClock(
      {
        store,
        audit,
        scheduler: new MemoryScheduler(),
        clock,
        config: testPolicy().config,
      },
      incidentId!,
    );
    const pending = fixture('zendesk/eventbridge-status-changed.json');
    pending.id = 'pending-1';
    pending.detail.ticket_event.current = 'pending';
    pending.detail.ticket_event.ticket.status = 'pending';
    expect(await eventHandler(pending as EventBridgeEvent<string, unknown>, context())).toMatchObject({ incidentId });
    expect((await store.get(incidentId!))?.agents.sla).toMatchObject({ status: 'paused', pauses: [{ by: 'intake' }] });
  });

  it('refuses an event whose source is an object with its own toString with a 400, not a crash', async () => {
    const odd = { ...fixture('cloudwatch/alarm.json'), source: { toString: 'aws.cloudwatch' } };
    await expect(eventHandler(odd as EventBridgeEvent<string, unknown>, context())).rejects.toMatchObject({
      statusCode: 400,
      code: 'unknown_source',
    });
  });

  it('refuses an event from a source it has no intake for with a 400 naming the source field (EventBridge dead-letters it)', async () => {
    const other = { ...fixture('cloudwatch/alarm.json'), source: 'aws.health' } as EventBridgeEvent<string, unknown>;
    await expect(eventHandler(other, context())).rejects.toMatchObject({
      statusCode: 400,
      code: 'unknown_source',
      field: 'source',
    });
  });
});
