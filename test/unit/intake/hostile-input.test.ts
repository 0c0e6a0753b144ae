import { decodeIncidentAttributes, encodeIncident } from '../../../lambdas/adapters/aws/incident-item-codec';
import type { Incident } from '../../../lambdas/core/incident';
import { ownValue } from '../../../lambdas/core/label-map';
import {
  eventBody,
  handleDelivery,
  type IntakeResponse,
  MAX_JSON_DEPTH,
  parseEventBody,
} from '../../../lambdas/intake/intake-request';
import type { IntakeDeps } from '../../../lambdas/intake/intake-service';
import { boundLabels, OMITTED_LABELS_KEY, prepareSignal, SIGNAL_LIMITS } from '../../../lambdas/intake/prepare-signal';
import { eventParserFor, webhookParserFor } from '../../../lambdas/intake/sources';
import type { IncidentStore } from '../../../lambdas/ports/incident-store';
import { LumosError } from '../../../lambdas/shared/errors';
import { TestDynamoDb } from './dynamodb-local';
import {
  fixture,
  fixtureText,
  harness,
  headerLookup,
  ManualClock,
  MemoryArchive,
  NOW,
  nativeAuth,
  RecordingWorkflow,
  testSettings,
} from './support';

/** Whatever keys, sizes and shapes a sender uses, intake answers 2xx/4xx and stores safely. */

const SECRET = 'hostile-input-secret';
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

function post(deps: IntakeDeps, route: string, body: string): Promise<IntakeResponse> {
  const parser = webhookParserFor(route)!;
  return handleDelivery(
    deps,
    parser,
    route,
    { body, header: headerLookup(nativeAuth(parser.source, body, SECRET, deps.clock.now())) },
    SECRET,
  );
}

async function refusal(promise: Promise<unknown>): Promise<LumosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LumosError) return error;
    throw error;
  }
  throw new Error('expected the delivery to be refused');
}

/** Label keys that are valid for senders but trip naive JavaScript or DynamoDB code. */
const ODD_LABELS: Record<string, string> = JSON.parse(
  '{"constructor":"ctor","__proto__":"proto","toString":"ts","hasOwnProperty":"own","":"empty","a.b":"dot","#x":"hash"}',
);

const alertGroup = (labels: Record<string, string>[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'lumos',
    groupKey: '{}:{alertname="Odd"}',
    alerts: labels.map((l, i) => ({
      status: 'firing',
      labels: { alertname: 'OddLabels', instance: `host-${i}`, ...l },
      annotations: { summary: `odd alert ${i}` },
      startsAt: '2026-11-20T09:59:00Z',
      fingerprint: `odd-${i}`,
    })),
    ...extra,
  });

describe('against DynamoDB Local', () => {
  const db = new TestDynamoDb();
  let store: IncidentStore;
  let deps: IntakeDeps;

  beforeAll(() => db.start(), 120_000);
  afterAll(() => db.stop());
  beforeEach(async () => {
    store = await db.store();
    deps = {
      store,
      workflow: new RecordingWorkflow(),
      archive: new MemoryArchive(),
      clock: new ManualClock(),
      settings: testSettings(),
    };
  });

  it('stores an alert whose labels are named constructor, __proto__, toString or nothing, and reads every label back as sent', async () => {
    const answer = await post(deps, 'alertmanager', alertGroup([ODD_LABELS]));
    expect(answer).toMatchObject({ status: 'created' });
    const incident = await store.get(answer.incidentId!);
    for (const [key, value] of Object.entries(ODD_LABELS)) {
      expect(Object.hasOwn(incident!.labels, key)).toBe(true);
      expect(incident!.labels[key]).toBe(value);
    }
    expect(Object.getPrototypeOf(incident!.labels)).toBe(Object.prototype);
    expect(ownValue(JSON.parse(JSON.stringify(incident!.labels)), '__proto__')).toBe('proto');
  });

  it('creates both incidents of a two-alert group where one alert has a constructor label, answering 202 for both', async () => {
    const ungrouped = { groupKey: null };
    const answer = await post(
      deps,
      'alertmanager',
      alertGroup([{ constructor: 'x' }, { team: 'payments' }], ungrouped),
    );
    expect(answer.incidents?.map((a) => a.status)).toEqual(['created', 'created']);
    expect(answer.incidents?.map((a) => a.index)).toEqual([0, 1]);
    expect(answer.refused).toBeUndefined();
    expect(await store.get(answer.incidents![0]!.incidentId!)).toMatchObject({ labels: { constructor: 'x' } });
    expect(await store.get(answer.incidents![1]!.incidentId!)).toMatchObject({ labels: { team: 'payments' } });
  });

  it('stores a generic signal with a 10 kB label key and 5,000 labels within the label limits, counting what it left out', async () => {
    const labels: Record<string, string> = {
      [`k${'x'.repeat(10_000)}`]: 'long key',
      [`k${'x'.repeat(10_001)}`]: 'other',
    };
    for (let i = 0; i < 5000; i++) labels[`label-${i}`] = `value-${i}`;
    const answer = await post(deps, 'generic', JSON.stringify({ id: 'many-labels', title: 'Many labels', labels }));
    expect(answer.status).toBe('created');
    const stored = await store.get(answer.incidentId!);
    const keys = Object.keys(stored!.labels);
    expect(keys.length).toBeLessThanOrEqual(SIGNAL_LIMITS.labels + 1);
    expect(Number(stored!.labels[OMITTED_LABELS_KEY])).toBe(5002 + 1 - keys.length);
    const longKeys = keys.filter((k) => k.startsWith('kxxx'));
    expect(longKeys).toHaveLength(2);
    expect(new Set(longKeys).size).toBe(2);
    expect(longKeys.every((k) => Buffer.byteLength(k) <= SIGNAL_LIMITS.labelKeyBytes)).toBe(true);
  });

  it('keeps odd label keys when a ticket update merges new labels into its incident', async () => {
    const first = await post(
      deps,
      'generic',
      JSON.stringify({ id: 'u1', externalId: 'T-1', title: 'Ticket', kind: 'ticket', labels: { '': 'a' } }),
    );
    const update = await post(
      deps,
      'generic',
      JSON.stringify({
        id: 'u2',
        externalId: 'T-1',
        title: 'Ticket',
        kind: 'ticket',
        action: 'update',
        labels: JSON.parse('{"__proto__":"b","constructor":"c"}'),
      }),
    );
    expect(update).toMatchObject({ status: 'updated', incidentId: first.incidentId });
    const labels = (await store.get(first.incidentId!))!.labels;
    expect(['', '__proto__', 'constructor'].map((key) => ownValue(labels, key))).toEqual(['a', 'b', 'c']);
  });

  it('stores a Zendesk ticket whose id is 60,000 emoji as an incident item far below 400 KB', async () => {
    const body = JSON.stringify({
      ticket: { id: '🚨'.repeat(60_000), url: 'https://acme.zendesk.com/api/v2/tickets/1.json', subject: 'Huge id' },
    });
    expect(Buffer.byteLength(body)).toBeGreaterThan(200_000);
    const answer = await post(deps, 'zendesk', body);
    expect(answer.status).toBe('created');
    const incident = (await store.get(answer.incidentId!))!;
    expect(bytes(incident)).toBeLessThan(100_000);
    expect(Buffer.byteLength(incident.externalId)).toBeLessThanOrEqual(SIGNAL_LIMITS.externalIdBytes);
    expect(incident.externalUrl).toBeUndefined();
  });

  it('stores text with lone surrogate escapes as well-formed text', async () => {
    const answer = await post(deps, 'generic', '{"id":"sur","title":"broken \\ud800 pair","labels":{"\\udc00":"x"}}');
    const incident = (await store.get(answer.incidentId!))!;
    expect(incident.title).toBe('broken \uFFFD pair');
    expect(incident.labels['\uFFFD']).toBe('x');
  });
});

describe('every derived field is bounded', () => {
  it('keeps an incident built from a signal with every text field at a megabyte well inside an item', () => {
    const huge = '界'.repeat(350_000);
    const signal = prepareSignal(
      {
        source: 'generic',
        kind: 'alert',
        action: 'create',
        deliveryId: huge,
        fingerprint: huge,
        externalId: huge,
        externalUrl: `https://example.com/${huge}`,
        title: huge,
        description: huge,
        service: huge,
        severity: { label: huge },
        reporter: huge,
        occurredAt: NOW.toISOString(),
        labels: { [huge]: huge, a: huge },
        correlationKeys: [huge, `${huge}1`],
        serviceHints: [huge],
        changedBy: [huge],
        changeNote: huge,
      },
      testSettings(),
    );
    expect(bytes(signal)).toBeLessThan(120_000);
    expect(signal.externalUrl).toBeUndefined();
    expect(Buffer.byteLength(signal.deliveryId)).toBeLessThanOrEqual(512);
  });

  it('keeps the labels Lumos reads when a sender sends more labels than fit', () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 500; i++) labels[`noise${i}`] = 'n';
    labels.alertname = 'Important';
    labels.severity = 'critical';
    const kept = boundLabels(labels);
    expect(kept).toMatchObject({ alertname: 'Important', severity: 'critical', [OMITTED_LABELS_KEY]: '402' });
  });
});

describe('the stored form of user-keyed maps', () => {
  const incident = { incidentId: 'inc-1', labels: ODD_LABELS } as unknown as Incident;

  it('writes labels as [key, value] pairs and reads them back as the same map', () => {
    const stored = encodeIncident(incident);
    expect(Array.isArray(stored.labels)).toBe(true);
    expect(decodeIncidentAttributes(stored).labels).toEqual(ODD_LABELS);
  });

  it('still reads labels stored as a plain map before the pair encoding', () => {
    expect(decodeIncidentAttributes({ labels: { team: 'payments' } }).labels).toEqual({ team: 'payments' });
  });
});

describe('alert batches are answered alert by alert', () => {
  it('creates the incident of the good alert of a two-alert group and lists the malformed one as refused with its field', async () => {
    const h = harness();
    const body = JSON.parse(alertGroup([{}, {}]));
    body.alerts[1].labels = 'not a map';
    const answer = await post(h.deps, 'alertmanager', JSON.stringify(body));
    expect(answer.status).toBe('created');
    expect(answer.incidents).toEqual([expect.objectContaining({ index: 0, status: 'created' })]);
    expect(answer.refused).toEqual([
      { index: 1, error: expect.objectContaining({ code: 'schema_mismatch', field: 'alerts.1.labels' }) },
    ]);
    expect(h.store.incidents.size).toBe(1);
  });

  it('answers 400 naming the first refused alert when no alert of a group is usable, and stores nothing', async () => {
    const h = harness();
    const body = JSON.parse(alertGroup([{}, {}]));
    for (const alert of body.alerts) alert.annotations = [];
    const error = await refusal(post(h.deps, 'alertmanager', JSON.stringify(body)));
    expect(error).toMatchObject({ statusCode: 400, field: 'alerts.0.annotations' });
    expect(h.store.incidents.size + h.archive.objects.size).toBe(0);
  });

  it('answers each alert that is neither firing nor resolved as ignored with its reason', async () => {
    const h = harness();
    const body = JSON.parse(alertGroup([{}, {}]));
    body.alerts[0].status = 'suppressed';
    const answer = await post(h.deps, 'grafana', JSON.stringify(body));
    expect(answer.incidents?.[0]).toMatchObject({
      index: 0,
      status: 'ignored',
      reason: expect.stringContaining('suppressed'),
    });
    expect(answer.incidents?.[1]).toMatchObject({ index: 1, status: 'created' });
  });
});

describe('real senders are read liberally', () => {
  it('makes incidents from an Alertmanager notification whose alerts carry no status of their own', async () => {
    const h = harness();
    const body = fixture('alertmanager/group-firing.json');
    for (const alert of body.alerts) delete alert.status;
    const answer = await post(h.deps, 'alertmanager', JSON.stringify(body));
    expect(answer.status).toBe('created');
    expect(h.store.incidents.size).toBe(1);
  });

  it('tolerates a byte-order mark before the JSON', async () => {
    const h = harness();
    const answer = await post(h.deps, 'generic', `\uFEFF${fixtureText('generic/alert.json')}`);
    expect(answer.status).toBe('created');
  });
});

describe('events and bodies that are malformed in structure', () => {
  const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

  it('answers an event nested 5,000 levels deep with a 400 too_deep instead of overflowing the stack', () => {
    expect(() => parseEventBody(deep(5000))).toThrow(expect.objectContaining({ statusCode: 400, code: 'too_deep' }));
    const event = JSON.parse(deep(5000));
    expect(() => eventBody(event)).toThrow(expect.objectContaining({ statusCode: 400, code: 'too_deep' }));
  });

  it('answers a webhook body nested deeper than the limit with a 400 naming where, and accepts one just inside it', async () => {
    const h = harness();
    const tooDeep = JSON.stringify({ id: 'deep', title: 'Deep', extra: JSON.parse(deep(MAX_JSON_DEPTH)) });
    const error = await refusal(post(h.deps, 'generic', tooDeep));
    expect(error).toMatchObject({ statusCode: 400, code: 'too_deep' });
    expect(error.field).toMatch(/^extra(\.a)+$/);
    const fine = JSON.stringify({ id: 'ok', title: 'Deep enough', extra: JSON.parse(deep(MAX_JSON_DEPTH - 2)) });
    expect((await post(h.deps, 'generic', fine)).status).toBe('created');
  });

  it('answers an event from an unknown source with a 400 naming the source field', async () => {
    const h = harness();
    const event = { ...fixture('cloudwatch/alarm.json'), source: 'acme.unknown' };
    const error = await refusal(
      handleDelivery(
        h.deps,
        eventParserFor(event.source),
        event.source,
        { body: JSON.stringify(event), header: () => undefined },
        undefined,
        {
          channel: 'event',
        },
      ),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'unknown_source', field: 'source' });
  });
});
