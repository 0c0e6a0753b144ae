import type { Source } from '../../../lambdas/core/incident';
import { DeliveryDeferredError } from '../../../lambdas/intake/intake-errors';
import { handleDelivery, MAX_BODY_BYTES } from '../../../lambdas/intake/intake-request';
import { parseServiceMap } from '../../../lambdas/intake/service-map';
import { eventParserFor, webhookParserFor } from '../../../lambdas/intake/sources';
import { LumosError } from '../../../lambdas/shared/errors';
import { fixtureText, harness, headerLookup, NOW, nativeAuth, sampleText } from './support';

const SECRET = 'intake-test-secret';

type Harness = ReturnType<typeof harness>;

/** Posts a body to `/webhooks/<route>` with the source's native authentication (or `headers` instead). */
function post(h: Harness, route: string, body: string, headers?: Record<string, string>, secret = SECRET) {
  const parser = webhookParserFor(route);
  const auth = headers ?? (parser ? nativeAuth(parser.source, body, SECRET, h.clock.now()) : {});
  return handleDelivery(h.deps, parser, route, { body, header: headerLookup(auth) }, secret);
}

/** Hands an EventBridge event to the event intake, as the AlarmIntake function receives it. */
function emit(h: Harness, body: string) {
  const event = JSON.parse(body) as { source: string };
  return handleDelivery(
    h.deps,
    eventParserFor(event.source),
    event.source,
    { body, header: () => undefined },
    undefined,
    {
      channel: 'event',
    },
  );
}

async function failure(promise: Promise<unknown>): Promise<LumosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LumosError) return error;
    throw error;
  }
  throw new Error('expected the delivery to be refused');
}

const SAMPLES: [string, string][] = [
  ['servicenow', 'servicenow/xsoar-servicenowv2-test_RESPONSE_CREATE_TICKET.json'],
  ['jira', 'jira/zulip_issue_created.json'],
  ['zendesk', 'zendesk/zendesk-docs_create-ticket_response.json'],
  ['pagerduty', 'pagerduty/zulip_triggered_v3.json'],
  ['alertmanager', 'alertmanager/zulip_alertmanager_alert.json'],
  ['grafana', 'grafana/grafana-docs_webhook-notifier_firing_2alerts.json'],
];

describe('a delivery through the intake', () => {
  it.each(SAMPLES)(
    'turns the shared %s sample, natively authenticated, into an incident with a P1-P5 priority',
    async (route, file) => {
      const h = harness();
      const answer = await post(h, route, sampleText(file));
      expect(answer.status).toBe('created');
      const incident = await h.store.get(answer.incidentId!);
      expect(incident?.priority).toMatch(/^P[1-5]$/);
      expect(incident?.source).toBe(route);
      expect(incident?.rawRef).toMatch(/^memory:\/\/raw\//);
      expect(h.workflow.started).toHaveLength(1);
    },
  );

  it('turns the shared CloudWatch sample, arriving as an event, into an incident', async () => {
    const h = harness();
    const answer = await emit(h, sampleText('cloudwatch/aws-docs_single-metric-alarm_state-change.json'));
    expect(answer.status).toBe('created');
    expect((await h.store.get(answer.incidentId!))?.priority).toBe('P2');
  });

  it('turns a Zendesk EventBridge partner event into an incident through the event intake', async () => {
    const h = harness();
    const answer = await emit(h, fixtureText('zendesk/eventbridge-ticket-created.json'));
    expect(answer).toMatchObject({ status: 'created', priority: 'P2' });
    expect((await emit(h, fixtureText('zendesk/eventbridge-status-changed.json'))).status).toBe('resolved');
  });

  it.each(SAMPLES)('refuses the %s sample with a wrong credential (401) and stores nothing', async (route, file) => {
    const h = harness();
    const error = await failure(post(h, route, sampleText(file), undefined, 'not-the-secret'));
    expect(error.statusCode).toBe(401);
    expect(h.store.incidents.size + h.archive.objects.size).toBe(0);
  });

  it('refuses missing credentials, and a source without a configured secret', async () => {
    const h = harness();
    expect((await failure(post(h, 'jira', sampleText(SAMPLES[1]![1]), {}))).message).toContain('x-hub-signature');
    expect((await failure(post(h, 'jira', sampleText(SAMPLES[1]![1]), undefined, ''))).statusCode).toBe(401);
  });

  it('refuses a Zendesk signature whose timestamp is stale', async () => {
    const h = harness();
    const body = fixtureText('zendesk/ticket-created.json');
    const stale = nativeAuth('zendesk', body, SECRET, new Date(NOW.getTime() - 10 * 60_000));
    expect((await failure(post(h, 'zendesk', body, stale))).message).toContain('too old');
  });

  it('answers a redelivery as duplicate with the same incident and no second workflow', async () => {
    const h = harness();
    const body = sampleText(SAMPLES[3]![1]);
    const first = await post(h, 'pagerduty', body);
    const again = await post(h, 'pagerduty', body);
    expect(again).toMatchObject({ status: 'duplicate', incidentId: first.incidentId });
    expect(h.workflow.started).toHaveLength(1);
  });

  it('answers an alert batch with one entry per alert and a leading answer', async () => {
    const h = harness();
    const answer = await post(h, 'alertmanager', fixtureText('alertmanager/group-firing.json'));
    expect(answer.incidents).toHaveLength(2);
    expect(answer.incidents?.map((a) => a.status)).toEqual(['created', 'correlated']);
    expect(answer).toMatchObject({ status: 'created', incidentId: answer.incidents![0]!.incidentId });
    const resolved = await post(h, 'alertmanager', fixtureText('alertmanager/group-resolved.json'));
    expect(resolved.incidents?.map((a) => a.status)).toEqual(expect.arrayContaining(['resolved']));
    expect((await h.store.get(answer.incidentId!))?.status).toBe('resolved');
  });

  it('acknowledges an empty alert list without storing anything', async () => {
    const h = harness();
    expect(await post(h, 'alertmanager', fixtureText('alertmanager/empty-alerts.json'))).toMatchObject({
      status: 'ignored',
      incidentId: null,
    });
    expect(h.archive.objects.size).toBe(0);
  });

  it('follows a Jira issue from creation through a priority change to resolution', async () => {
    const h = harness();
    const created = await post(h, 'jira', fixtureText('jira/issue-created-cloud.json'));
    const updated = await post(h, 'jira', fixtureText('jira/issue-updated-priority.json'));
    expect(updated).toMatchObject({ status: 'updated', incidentId: created.incidentId, priority: 'P1' });
    expect(await post(h, 'jira', fixtureText('jira/issue-updated-resolved.json'))).toMatchObject({
      status: 'resolved',
      incidentId: created.incidentId,
    });
  });

  it('follows a PagerDuty incident through every event type to resolution', async () => {
    const h = harness();
    const created = await post(h, 'pagerduty', fixtureText('pagerduty/incident-triggered.json'));
    for (const file of ['acknowledged', 'priority-updated', 'escalated', 'reassigned', 'annotated']) {
      const answer = await post(h, 'pagerduty', fixtureText(`pagerduty/incident-${file}.json`));
      expect(answer).toMatchObject({ status: 'updated', incidentId: created.incidentId });
    }
    expect((await h.store.get(created.incidentId!))?.priority).toBe('P1');
    expect(await post(h, 'pagerduty', fixtureText('pagerduty/incident-resolved.json'))).toMatchObject({
      status: 'resolved',
    });
  });

  it('recognises Lumos write-back by user or marker and ignores it with a reason, storing nothing', async () => {
    const h = harness({ settings: { integrationUsers: ['712020:lumos-bot', '9100001'] } });
    const jira = await post(h, 'jira', fixtureText('jira/issue-updated-comment-writeback.json'));
    expect(jira).toMatchObject({
      status: 'ignored',
      incidentId: null,
      reason: expect.stringContaining('integration user'),
    });
    const zendesk = await post(h, 'zendesk', fixtureText('zendesk/event-comment-added-writeback.json'));
    expect(zendesk).toMatchObject({ status: 'ignored', reason: expect.stringContaining('Lumos') });
    const marked = harness();
    const body = JSON.stringify({
      ...JSON.parse(fixtureText('servicenow/incident-created.json')).result,
      sys_mod_count: '3',
      work_notes: 'Lumos: triaged [lumos-writeback]',
    });
    expect(await post(marked, 'servicenow', body)).toMatchObject({
      status: 'ignored',
      reason: expect.stringContaining('marker'),
    });
    expect(h.store.incidents.size + h.archive.objects.size + marked.store.incidents.size).toBe(0);
  });

  it('names the service through the service map and takes its priority for alarms without one', async () => {
    const serviceMap = parseServiceMap({ services: { orders: { match: ['AWS/RDS:orders-*'], priority: 'P1' } } });
    const h = harness({ settings: { serviceMap } });
    const answer = await emit(h, fixtureText('cloudwatch/alarm.json'));
    const incident = await h.store.get(answer.incidentId!);
    expect(incident).toMatchObject({
      service: 'orders',
      priority: 'P1',
      labels: expect.objectContaining({ priorityFrom: 'service-map' }),
    });
  });

  it.each([
    ['malformed JSON', '{"result": {"sys_id": ', 400, 'invalid_json'],
    ['an empty body', '', 400, 'invalid_json'],
    ['a JSON array', '[1,2]', 400, 'invalid_body'],
    ['a JSON string', '"incident"', 400, 'invalid_body'],
    ['JSON null', 'null', 400, 'invalid_body'],
    ['a record without sys_id', '{"result": {"number": "INC1"}}', 400, 'schema_mismatch'],
  ])('answers %s with %s and stores nothing', async (_what, body, status, code) => {
    const h = harness();
    const error = await failure(post(h, 'servicenow', body));
    expect({ status: error.statusCode, code: error.code }).toEqual({ status, code });
    expect(h.store.incidents.size + h.archive.objects.size).toBe(0);
  });

  it('answers a body over the limit with 413, and unknown routes (including prototype names) with 404', async () => {
    const h = harness();
    expect((await failure(post(h, 'generic', ' '.repeat(MAX_BODY_BYTES + 1)))).statusCode).toBe(413);
    for (const route of ['nagios', 'constructor', '__proto__', 'toString']) {
      expect((await failure(post(h, route, '{}', {}))).statusCode).toBe(404);
    }
  });

  it('accepts bodies of at least 256 KiB (a very long description) and stores a bounded description', async () => {
    const h = harness();
    const body = JSON.stringify({ id: 'long-1', title: 'Very long description', description: 'ä'.repeat(200 * 1024) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(256 * 1024);
    const answer = await post(h, 'generic', body);
    const incident = await h.store.get(answer.incidentId!);
    expect(incident!.description.length).toBeLessThanOrEqual(32 * 1024);
    expect(h.archive.read(incident!.rawRef!)?.body).toBe(body);
  });

  it('keeps a delivery that fails after acceptance: archived, recorded as failed, answered 503, finished by the retry', async () => {
    const h = harness();
    h.workflow.failNext = 1;
    const body = fixtureText('generic/alert.json');
    const error = await failure(post(h, 'generic', body));
    expect(error).toBeInstanceOf(DeliveryDeferredError);
    expect({ status: error.statusCode, retryAfter: error.retryAfterSeconds }).toEqual({ status: 503, retryAfter: 5 });
    const [failed] = await h.store.listFailedDeliveries();
    expect(failed).toMatchObject({ source: 'generic', channel: 'webhook', route: 'generic', attempts: 1 });
    expect(h.archive.read(failed!.rawRef)?.body).toBe(body);

    const retry = await post(h, 'generic', body);
    expect(retry.status).toBe('created');
    expect(await h.store.listFailedDeliveries()).toEqual([]);
    expect(h.workflow.started).toHaveLength(1);
  });

  it('retries a failing archive briefly, and refuses (503) a delivery it cannot archive, before storing anything', async () => {
    const flaky = harness();
    flaky.archive.failNext = 2;
    expect((await post(flaky, 'generic', fixtureText('generic/alert.json'))).status).toBe('created');

    const h = harness();
    h.archive.failNext = 3;
    const error = await failure(post(h, 'generic', fixtureText('generic/alert.json')));
    expect({ status: error.statusCode, code: error.code, retryAfter: error.retryAfterSeconds }).toEqual({
      status: 503,
      code: 'archive_unavailable',
      retryAfter: 5,
    });
    expect(h.store.incidents.size).toBe(0);
  });

  it('replays a trusted delivery from the archive without checking the signature again', async () => {
    const h = harness();
    const body = fixtureText('zendesk/ticket-created.json');
    const parser = webhookParserFor('zendesk');
    const answer = await handleDelivery(h.deps, parser, 'zendesk', { body, header: () => undefined }, undefined, {
      trusted: true,
    });
    expect(answer.status).toBe('created');
  });

  it.each(['generic', 'grafana', 'servicenow', 'zendesk'] as Source[])(
    'is exercised for %s by the fixtures',
    (source) => {
      expect(webhookParserFor(source)?.source).toBe(source);
    },
  );
});
