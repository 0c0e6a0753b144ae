import type { Signal } from '../../../lambdas/core/incident';
import { acceptSignal, TIMELINE_SIGNAL_LIMIT } from '../../../lambdas/intake/intake-service';
import { harness } from './support';

const RAW = 'memory://raw';

const ticket = (overrides: Partial<Signal> = {}): Signal => ({
  source: 'servicenow',
  kind: 'ticket',
  action: 'create',
  deliveryId: 'servicenow:abc:0:',
  fingerprint: 'servicenow:abc',
  externalId: 'INC1',
  title: 'Disk full on build host',
  description: 'no space left on device',
  severity: { impact: 2, urgency: 2 },
  occurredAt: '2026-11-20T10:00:00Z',
  labels: {},
  service: 'build-host',
  ...overrides,
});

let alarmCount = 0;
const alarm = (overrides: Partial<Signal> = {}): Signal => {
  alarmCount++;
  return {
    source: 'cloudwatch',
    kind: 'alert',
    action: 'create',
    deliveryId: `cloudwatch:event-${alarmCount}`,
    fingerprint: `cloudwatch:acct:eu-west-1:alarm-${alarmCount}`,
    externalId: `alarm-${alarmCount}`,
    title: `alarm-${alarmCount} is in ALARM`,
    description: '',
    severity: { label: 'alarm' },
    occurredAt: '2026-11-20T10:00:00Z',
    labels: {},
    service: 'checkout',
    ...overrides,
  };
};
const recovery = (of: Signal, id = `${of.deliveryId}:ok`): Signal => ({
  ...of,
  action: 'resolve',
  deliveryId: id,
  title: `${of.externalId} recovered`,
});

describe('accepting a signal', () => {
  it('creates an incident with the matrix priority and starts one workflow named after the delivery', async () => {
    const { store, workflow, deps } = harness();
    const answer = await acceptSignal(deps, ticket(), RAW);
    expect(answer).toMatchObject({ status: 'created', priority: 'P3' });
    const incident = await store.get(answer.incidentId!);
    expect(incident).toMatchObject({
      status: 'new',
      priority: 'P3',
      rawRef: RAW,
      openedByDelivery: 'servicenow:abc:0:',
    });
    expect(incident?.executionArn).toContain(workflow.started[0]!.name);
    expect(incident?.timeline.map((t) => t.type)).toEqual(['incident.created', 'workflow.started']);
    expect(workflow.started[0]!.name).toMatch(/^servicenow-[0-9a-f]{40}$/);
    expect(await store.getRoster(answer.incidentId!)).toMatchObject({ open: true, members: 1, firing: 1 });
  });

  it('answers a redelivery as duplicate with the same incident and starts nothing', async () => {
    const { workflow, deps } = harness();
    const first = await acceptSignal(deps, ticket(), RAW);
    const again = await acceptSignal(deps, ticket(), RAW);
    expect(again).toMatchObject({ status: 'duplicate', incidentId: first.incidentId, priority: 'P3' });
    expect(workflow.started).toHaveLength(1);
  });

  it('lets a redelivery finish the job when the first attempt failed after opening the incident', async () => {
    const { store, workflow, deps } = harness();
    workflow.failNext = 1;
    await expect(acceptSignal(deps, ticket(), RAW)).rejects.toThrow('unavailable');
    expect((await store.getDelivery('servicenow:abc:0:'))?.state).toBe('failed');
    const retry = await acceptSignal(deps, ticket(), RAW);
    expect(retry.status).toBe('created');
    expect(workflow.started).toHaveLength(1);
    expect((await store.get(retry.incidentId!))?.executionArn).toBeDefined();
    expect(store.incidents.size).toBe(1);
  });

  it('names the incident in a redelivery whose first attempt opened it and died before it finished', async () => {
    const { store, workflow, deps } = harness({ settings: { duplicateWaitMs: 50 } });
    const first = await acceptSignal(deps, ticket(), RAW);
    // The process died after the incident and its workflow were stored, before the claim was marked done.
    const claim = store.deliveries.get('servicenow:abc:0:')!;
    store.deliveries.set('servicenow:abc:0:', { ...claim, state: 'pending', incidentId: null, status: undefined });
    const again = await acceptSignal(deps, ticket(), RAW);
    expect(again).toMatchObject({ status: 'duplicate', incidentId: first.incidentId, priority: 'P3' });
    expect(workflow.started).toHaveLength(1);
    // A different delivery of the same ticket that is still pending names nothing it did not open.
    const other = ticket({ deliveryId: 'servicenow:abc:1:' });
    store.deliveries.set(other.deliveryId, {
      ...claim,
      deliveryId: other.deliveryId,
      state: 'pending',
      incidentId: null,
    });
    expect(await acceptSignal(deps, other, RAW)).toMatchObject({ status: 'duplicate', incidentId: null });
  });

  it('makes a concurrent duplicate wait for the first attempt and answer with its incident', async () => {
    const { workflow, deps } = harness({ store: { latencyMs: 3 } });
    const [a, b] = await Promise.all([acceptSignal(deps, ticket(), RAW), acceptSignal(deps, ticket(), RAW)]);
    expect([a.status, b.status].sort()).toEqual(['created', 'duplicate']);
    expect(a.incidentId).toBe(b.incidentId);
    expect(workflow.started).toHaveLength(1);
  });

  it('updates the open incident for a later change to the same ticket, in either direction of priority', async () => {
    const { store, workflow, deps } = harness();
    const created = await acceptSignal(deps, ticket(), RAW);
    const raised = await acceptSignal(
      deps,
      ticket({
        action: 'update',
        deliveryId: 'servicenow:abc:1:',
        severity: { impact: 1, urgency: 1 },
        title: 'Disk full, builds failing',
      }),
      RAW,
    );
    expect(raised).toMatchObject({ status: 'updated', incidentId: created.incidentId, priority: 'P1' });
    const lowered = await acceptSignal(
      deps,
      ticket({ action: 'update', deliveryId: 'servicenow:abc:2:', severity: { impact: 3, urgency: 3 } }),
      RAW,
    );
    expect(lowered.priority).toBe('P5');
    const incident = await store.get(created.incidentId!);
    expect(incident?.timeline.map((t) => t.summary)).toEqual(
      expect.arrayContaining([expect.stringContaining('P3 -> P1'), expect.stringContaining('P1 -> P5')]),
    );
    expect(workflow.started).toHaveLength(1);
  });

  it('creates an incident from an update about a ticket it never saw', async () => {
    const { deps } = harness();
    expect((await acceptSignal(deps, ticket({ action: 'update' }), RAW)).status).toBe('created');
  });

  it('resolves the open incident on a recovery and ignores a recovery for nothing', async () => {
    const { store, deps } = harness();
    const orphan = await acceptSignal(
      deps,
      ticket({ action: 'resolve', deliveryId: 'd-0', fingerprint: 'other' }),
      RAW,
    );
    expect(orphan).toMatchObject({ status: 'ignored', incidentId: null });
    const created = await acceptSignal(deps, ticket(), RAW);
    const resolved = await acceptSignal(deps, ticket({ action: 'resolve', deliveryId: 'd-2' }), RAW);
    expect(resolved).toMatchObject({ status: 'resolved', incidentId: created.incidentId });
    expect((await store.get(created.incidentId!))?.status).toBe('resolved');
    expect(await store.getRoster(created.incidentId!)).toMatchObject({ open: false, firing: 0 });
  });

  it('opens a new incident when the same alarm fires again after its incident resolved', async () => {
    const { workflow, deps } = harness();
    const first = alarm();
    const opened = await acceptSignal(deps, first, RAW);
    await acceptSignal(deps, recovery(first), RAW);
    const again = await acceptSignal(
      deps,
      { ...first, deliveryId: 'cloudwatch:refire', occurredAt: '2026-11-20T10:30:00Z' },
      RAW,
    );
    expect(again.status).toBe('created');
    expect(again.incidentId).not.toBe(opened.incidentId);
    expect(workflow.started).toHaveLength(2);
  });

  it('ignores a late firing that is older than a recovery which found nothing open', async () => {
    const { deps } = harness();
    const late = alarm({ occurredAt: '2026-11-20T09:58:00Z' });
    await acceptSignal(deps, recovery({ ...late, occurredAt: '2026-11-20T09:59:00Z' }), RAW);
    expect(await acceptSignal(deps, late, RAW)).toMatchObject({
      status: 'ignored',
      reason: expect.stringContaining('stale'),
    });
  });

  it('correlates a new delivery with the same fingerprint onto the open incident', async () => {
    const { workflow, deps } = harness();
    const created = await acceptSignal(deps, ticket(), RAW);
    const correlated = await acceptSignal(deps, ticket({ deliveryId: 'd-3' }), RAW);
    expect(correlated).toMatchObject({ status: 'correlated', incidentId: created.incidentId });
    expect(workflow.started).toHaveLength(1);
  });
});

describe('correlating by service', () => {
  it('coalesces distinct alarms on one service within the window into one incident and one workflow', async () => {
    const { store, workflow, deps } = harness();
    const first = await acceptSignal(deps, alarm(), RAW);
    const second = await acceptSignal(deps, alarm(), RAW);
    expect(second).toMatchObject({
      status: 'correlated',
      incidentId: first.incidentId,
      reason: expect.stringContaining('same service checkout'),
    });
    expect(workflow.started).toHaveLength(1);
    expect((await store.get(first.incidentId!))?.signals).toMatchObject({ total: 2, firing: 2 });
  });

  it('opens a new incident once the window has passed without signals', async () => {
    const { clock, deps } = harness({ settings: { correlationWindowSeconds: 600 } });
    const first = await acceptSignal(deps, alarm(), RAW);
    clock.advance(300);
    expect((await acceptSignal(deps, alarm(), RAW)).incidentId).toBe(first.incidentId);
    clock.advance(599);
    expect((await acceptSignal(deps, alarm(), RAW)).incidentId).toBe(first.incidentId);
    clock.advance(601);
    const later = await acceptSignal(deps, alarm(), RAW);
    expect(later.status).toBe('created');
  });

  it('keeps tickets apart by default and coalesces them when configured', async () => {
    const apart = harness();
    const a = await acceptSignal(apart.deps, ticket(), RAW);
    const b = await acceptSignal(
      apart.deps,
      ticket({ deliveryId: 'x', fingerprint: 'servicenow:def', externalId: 'INC2' }),
      RAW,
    );
    expect(b.status).toBe('created');
    expect(b.incidentId).not.toBe(a.incidentId);

    const together = harness({ settings: { correlationKinds: ['alert', 'ticket'] } });
    const c = await acceptSignal(together.deps, ticket(), RAW);
    const d = await acceptSignal(
      together.deps,
      ticket({ deliveryId: 'x', fingerprint: 'servicenow:def', externalId: 'INC2' }),
      RAW,
    );
    expect(d).toMatchObject({ status: 'correlated', incidentId: c.incidentId });
  });

  it('does not coalesce when the window is 0', async () => {
    const { deps } = harness({ settings: { correlationWindowSeconds: 0 } });
    await acceptSignal(deps, alarm(), RAW);
    expect((await acceptSignal(deps, alarm(), RAW)).status).toBe('created');
  });

  it('marks the incident recovered only once every correlated signal has recovered', async () => {
    const { store, deps } = harness();
    const [a, b, c] = [alarm(), alarm(), alarm()];
    const opened = await acceptSignal(deps, a, RAW);
    await acceptSignal(deps, b, RAW);
    await acceptSignal(deps, c, RAW);
    expect(await acceptSignal(deps, recovery(a), RAW)).toMatchObject({
      status: 'updated',
      reason: expect.stringContaining('2 of 3'),
    });
    expect(await acceptSignal(deps, recovery(c), RAW)).toMatchObject({
      status: 'updated',
      reason: expect.stringContaining('1 of 3'),
    });
    expect(await acceptSignal(deps, recovery(c, 'again'), RAW)).toMatchObject({ status: 'updated' });
    expect(await acceptSignal(deps, recovery(b), RAW)).toMatchObject({
      status: 'resolved',
      incidentId: opened.incidentId,
    });
    const incident = await store.get(opened.incidentId!);
    expect(incident?.status).toBe('resolved');
    expect(incident?.timeline.at(-1)?.summary).toContain('All 3 correlated signals recovered');
    expect((await store.listSignals(opened.incidentId!)).map((s) => s.state)).toEqual([
      'recovered',
      'recovered',
      'recovered',
    ]);
    // The window closed with the incident: the next alarm on the service opens a fresh incident.
    expect((await acceptSignal(deps, alarm(), RAW)).status).toBe('created');
  });

  it('lets a signal that fires again keep the incident open', async () => {
    const { deps } = harness();
    const [a, b] = [alarm(), alarm()];
    await acceptSignal(deps, a, RAW);
    await acceptSignal(deps, b, RAW);
    await acceptSignal(deps, recovery(a), RAW);
    expect(await acceptSignal(deps, { ...a, deliveryId: 'refire' }, RAW)).toMatchObject({ status: 'correlated' });
    expect((await acceptSignal(deps, recovery(b), RAW)).status).toBe('updated');
    expect((await acceptSignal(deps, recovery(a, 'ok-2'), RAW)).status).toBe('resolved');
  });

  it('raises the incident priority for a more urgent correlated signal and never lowers it', async () => {
    const { store, deps } = harness();
    const opened = await acceptSignal(deps, alarm(), RAW);
    expect(opened.priority).toBe('P2');
    expect((await acceptSignal(deps, alarm({ severity: { label: 'critical' } }), RAW)).priority).toBe('P1');
    expect((await acceptSignal(deps, alarm({ severity: { label: 'info' } }), RAW)).priority).toBe('P1');
    expect((await store.get(opened.incidentId!))?.priority).toBe('P1');
  });

  it('opens a new incident when a person closed the one holding the window', async () => {
    const { store, deps } = harness();
    const opened = await acceptSignal(deps, alarm(), RAW);
    await store.update(opened.incidentId!, { set: { status: 'closed' } });
    const next = await acceptSignal(deps, alarm(), RAW);
    expect(next.status).toBe('created');
    expect(next.incidentId).not.toBe(opened.incidentId);
  });

  it('lists the first correlated signals in the timeline and only counts the rest', async () => {
    const { store, deps } = harness();
    const opened = await acceptSignal(deps, alarm(), RAW);
    for (let i = 0; i < 60; i++) await acceptSignal(deps, alarm(), RAW);
    const incident = await store.get(opened.incidentId!);
    const correlated = incident!.timeline.filter((t) => t.type === 'signal.correlated');
    expect(correlated).toHaveLength(TIMELINE_SIGNAL_LIMIT);
    expect(correlated.at(-1)?.summary).toContain('counted, not listed');
    expect(incident?.signals?.total).toBeGreaterThanOrEqual(50);
    expect(await store.getRoster(opened.incidentId!)).toMatchObject({ members: 61, firing: 61 });
  });
});

describe('correlating by key', () => {
  it('attaches a multi-time-series contributor to its alarm incident and a composite alarm to its child', async () => {
    const { deps } = harness({ settings: { correlationWindowSeconds: 0 } });
    const summary = alarm({ fingerprint: 'cloudwatch:a:r:DynamoDBWriteHot' });
    const opened = await acceptSignal(deps, summary, RAW);
    const contributor = alarm({
      fingerprint: 'cloudwatch:a:r:DynamoDBWriteHot#c1',
      correlationKeys: ['cloudwatch:a:r:DynamoDBWriteHot'],
    });
    expect(await acceptSignal(deps, contributor, RAW)).toMatchObject({
      status: 'correlated',
      incidentId: opened.incidentId,
    });
    // The contributor recovers on its own fingerprint.
    expect((await acceptSignal(deps, recovery(contributor), RAW)).status).toBe('updated');

    const child = await acceptSignal(deps, alarm({ fingerprint: 'cloudwatch:a:r:orders-db' }), RAW);
    const composite = alarm({
      fingerprint: 'cloudwatch:a:r:orders-degraded',
      correlationKeys: ['cloudwatch:a:r:orders-db'],
    });
    expect(await acceptSignal(deps, composite, RAW)).toMatchObject({
      status: 'correlated',
      incidentId: child.incidentId,
    });
  });

  it('lets a contributor that arrives first hold the alarm key for the alarm that follows', async () => {
    const { deps } = harness({ settings: { correlationWindowSeconds: 0 } });
    const contributor = alarm({ fingerprint: 'k#c1', correlationKeys: ['k'] });
    const opened = await acceptSignal(deps, contributor, RAW);
    expect(await acceptSignal(deps, alarm({ fingerprint: 'k' }), RAW)).toMatchObject({
      status: 'correlated',
      incidentId: opened.incidentId,
    });
  });
});
