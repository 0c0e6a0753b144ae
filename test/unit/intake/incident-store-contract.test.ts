import type { Incident } from '../../../lambdas/core/incident';
import { IncidentExistsError, type IncidentStore, type SignalMember } from '../../../lambdas/ports/incident-store';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { TestDynamoDb } from './dynamodb-local';

/** The same contract for the in-memory store the unit tests use and the DynamoDB store Lambda uses. */

const NOW = new Date('2026-11-20T10:00:00Z');
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const incident = (id: string, overrides: Partial<Incident> = {}): Incident => ({
  incidentId: id,
  source: 'cloudwatch',
  kind: 'alert',
  externalId: 'arn:alarm',
  fingerprint: `fp-${id}`,
  title: 'Checkout 5xx',
  description: 'Beschreibung mit Umlauten – ✓',
  service: 'checkout',
  status: 'new',
  priority: 'P3',
  severity: { label: 'alarm' },
  labels: {},
  agents: {},
  timeline: [{ at: NOW.toISOString(), actor: 'intake', type: 'incident.created', summary: 'opened' }],
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  ...overrides,
});

const member = (fingerprint: string, deliveryId = `d-${fingerprint}`): SignalMember => ({
  fingerprint,
  source: 'cloudwatch',
  externalId: fingerprint,
  title: `${fingerprint} in ALARM`,
  deliveryId,
  state: 'firing',
  firstSeenAt: NOW.toISOString(),
  lastSeenAt: NOW.toISOString(),
});

const open = (
  store: IncidentStore,
  id: string,
  fp: string,
  window?: { service: string; endsAt: string; replaces?: string },
) => store.openIncident(incident(id, { fingerprint: fp }), { member: member(fp), pointers: [fp], window, now: NOW });

function contract(name: string, makeStore: () => Promise<IncidentStore>) {
  describe(`the ${name} incident store`, () => {
    let store: IncidentStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('claims a delivery once, lets a failed or expired claim be taken over, and never a done one', async () => {
      expect(await store.claimDelivery('d1', { now: NOW, leaseSeconds: 60 })).toEqual({ claimed: true, attempt: 1 });
      expect(await store.claimDelivery('d1', { now: at(10), leaseSeconds: 60 })).toMatchObject({
        claimed: false,
        record: { state: 'pending' },
      });
      expect(await store.claimDelivery('d1', { now: at(61), leaseSeconds: 60 })).toEqual({ claimed: true, attempt: 2 });
      await store.releaseDelivery('d1', 'boom');
      expect(await store.getDelivery('d1')).toMatchObject({ state: 'failed', error: 'boom' });
      expect(await store.claimDelivery('d1', { now: at(62), leaseSeconds: 60 })).toEqual({ claimed: true, attempt: 3 });
      await store.completeDelivery('d1', { incidentId: 'inc-1', status: 'created' });
      expect(await store.claimDelivery('d1', { now: at(9999), leaseSeconds: 60 })).toMatchObject({
        claimed: false,
        record: { state: 'done', incidentId: 'inc-1', status: 'created', attempts: 3 },
      });
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => store.claimDelivery('race', { now: NOW, leaseSeconds: 60 })),
      );
      expect(claims.filter((c) => c.claimed)).toHaveLength(1);
    });

    it('opens an incident with its roster, member and pointers atomically, and refuses a taken pointer', async () => {
      expect(await open(store, 'i1', 'fp-a')).toEqual({ opened: true });
      expect(await store.get('i1')).toMatchObject({ incidentId: 'i1', description: 'Beschreibung mit Umlauten – ✓' });
      expect(await store.getRoster('i1')).toMatchObject({ open: true, members: 1, firing: 1 });
      expect(await store.lookupKey('fp-a')).toMatchObject({ open: { incidentId: 'i1' } });
      expect(await open(store, 'i2', 'fp-a')).toEqual({ opened: false, conflict: 'pointer' });
      expect(await store.get('i2')).toBeUndefined();
      await expect(open(store, 'i1', 'fp-other')).rejects.toBeInstanceOf(IncidentExistsError);
      expect((await store.list()).map((i) => i.incidentId)).toEqual(['i1']);
    });

    it('lists the newest incidents as heads: the fields outage lookups read, without agent results', async () => {
      const older = incident('h1', { fingerprint: 'fp-h1', createdAt: at(-60).toISOString() });
      const newer = incident('h2', {
        fingerprint: 'fp-h2',
        agents: { diagnosis: { summary: 'x'.repeat(5000) } },
        facts: { service: 'checkout', owningTeam: 'Payments Engineering', basis: { service: 'source label' } },
        signals: { total: 2, firing: 1, lastAt: NOW.toISOString() },
      });
      for (const item of [older, newer])
        await store.openIncident(item, { member: member(item.fingerprint), pointers: [item.fingerprint], now: NOW });
      const heads = await store.listHeads({ limit: 5 });
      expect(heads.map((h) => h.incidentId)).toEqual(['h2', 'h1']);
      expect(heads[0]).toEqual({
        incidentId: 'h2',
        kind: 'alert',
        status: 'new',
        service: 'checkout',
        facts: newer.facts,
        signals: newer.signals,
        timeline: newer.timeline,
        createdAt: newer.createdAt,
        updatedAt: expect.any(String),
      });
      expect(heads[0]).not.toHaveProperty('agents');
      expect((await store.listHeads({ limit: 1 })).map((h) => h.incidentId)).toEqual(['h2']);
    });

    it('holds a service window for one incident until it ends or is replaced', async () => {
      const window = { service: 'checkout', endsAt: at(600).toISOString() };
      expect(await open(store, 'w1', 'fp-1', window)).toEqual({ opened: true });
      expect(await open(store, 'w2', 'fp-2', window)).toEqual({ opened: false, conflict: 'window' });
      expect(await store.getServiceWindow('checkout')).toMatchObject({ incidentId: 'w1', endsAt: window.endsAt });
      expect(await open(store, 'w3', 'fp-3', { ...window, replaces: 'w1' })).toEqual({ opened: true });
      await store.closeServiceWindow('checkout', 'w1');
      expect(await store.getServiceWindow('checkout')).toMatchObject({ incidentId: 'w3' });
      await store.closeServiceWindow('checkout', 'w3');
      expect(await store.getServiceWindow('checkout')).toBeUndefined();
    });

    it('lets a window that ended be taken by a new incident', async () => {
      await open(store, 'e1', 'fp-1', { service: 's', endsAt: new Date(NOW.getTime() - 1000).toISOString() });
      expect(await open(store, 'e2', 'fp-2', { service: 's', endsAt: at(600).toISOString() })).toEqual({
        opened: true,
      });
    });

    it('attaches signals idempotently, slides the window, and refuses a closed incident', async () => {
      await open(store, 'a1', 'fp-1', { service: 'svc', endsAt: at(600).toISOString() });
      const first = await store.attachSignal('a1', member('fp-2'), {
        pointers: ['fp-2'],
        window: { service: 'svc', endsAt: at(900).toISOString() },
      });
      expect(first).toMatchObject({ attached: true, newMember: true, roster: { members: 2, firing: 2 } });
      const again = await store.attachSignal('a1', member('fp-2', 'd-again'), { pointers: ['fp-2'] });
      expect(again).toMatchObject({
        attached: true,
        newMember: false,
        previousDeliveryId: 'd-fp-2',
        roster: { members: 2, firing: 2 },
      });
      expect(await store.lookupKey('fp-2')).toMatchObject({ open: { incidentId: 'a1' } });
      expect((await store.getServiceWindow('svc'))?.endsAt).toBe(at(900).toISOString());
      await store.update('a1', { set: { status: 'closed' } });
      expect(await store.getRoster('a1')).toMatchObject({ open: false });
      expect(await store.attachSignal('a1', member('fp-3'), { pointers: [] })).toEqual({ attached: false });
      expect(await store.attachSignal('missing', member('fp-3'), { pointers: [] })).toEqual({ attached: false });
    });

    it('closes an incident by recovery only when nothing in it fires any more', async () => {
      await open(store, 'r1', 'fp-1');
      await store.attachSignal('r1', member('fp-2'), { pointers: [] });
      expect(await store.recoverSignal('r1', 'fp-1', at(60).toISOString())).toMatchObject({
        recovered: true,
        wasFiring: true,
        roster: { members: 2, firing: 1 },
      });
      expect(await store.recoverSignal('r1', 'fp-1', at(61).toISOString())).toMatchObject({
        recovered: true,
        wasFiring: false,
        roster: { firing: 1 },
      });
      expect(await store.recoverSignal('r1', 'fp-unknown', at(61).toISOString())).toEqual({ recovered: false });
      expect(await store.closeIfRecovered('r1', [])).toBe(false);
      await store.recoverSignal('r1', 'fp-2', at(62).toISOString());
      const entry = { at: at(62).toISOString(), actor: 'intake', type: 'incident.resolved', summary: 'all recovered' };
      expect(await store.closeIfRecovered('r1', [entry])).toBe(true);
      expect(await store.closeIfRecovered('r1', [entry])).toBe(false);
      const closed = await store.get('r1');
      expect(closed?.status).toBe('resolved');
      expect(closed?.timeline.at(-1)?.summary).toBe('all recovered');
      expect((await store.listSignals('r1')).map((s) => s.state).sort()).toEqual(['recovered', 'recovered']);
      expect(await store.recoverSignal('r1', 'fp-2', at(63).toISOString())).toEqual({ recovered: false });
    });

    it('raises a priority but never lowers it', async () => {
      await open(store, 'p1', 'fp-1');
      const entry = { at: NOW.toISOString(), actor: 'intake', type: 'priority.raised', summary: 'raised' };
      expect(await store.raisePriority('p1', 'P4', entry)).toBe(false);
      expect(await store.raisePriority('p1', 'P1', entry)).toBe(true);
      expect(await store.raisePriority('p1', 'P2', entry)).toBe(false);
      expect((await store.get('p1'))?.priority).toBe('P1');
      expect(await store.raisePriority('missing', 'P1', entry)).toBe(false);
    });

    it('drops pointers only for the incident they point at', async () => {
      await open(store, 'x1', 'fp-x');
      await store.dropPointer('fp-x', 'other');
      expect((await store.lookupKey('fp-x')).open).toBeDefined();
      await store.dropPointer('fp-x', 'x1');
      expect(await store.lookupKey('fp-x')).toEqual({});
    });

    it('remembers the latest recovery of a fingerprint beside its pointer', async () => {
      expect(await store.lookupKey('fp-r')).toEqual({});
      await store.noteRecovery('fp-r', '2026-11-20T10:00:00.000Z');
      await store.noteRecovery('fp-r', '2026-11-20T09:00:00.000Z');
      expect(await store.lookupKey('fp-r')).toEqual({ recoveredAt: '2026-11-20T10:00:00.000Z' });
      await open(store, 'rr', 'fp-r');
      expect(await store.lookupKey('fp-r')).toMatchObject({
        open: { incidentId: 'rr' },
        recoveredAt: '2026-11-20T10:00:00.000Z',
      });
    });

    it('handles very long and unicode correlation keys and delivery ids', async () => {
      // Primary fingerprints are bounded by intake (they are a GSI key); group keys and delivery ids are not.
      const long = `cloudwatch:${'ä'.repeat(1500)}🚨`;
      const opened = await store.openIncident(incident('k1', { fingerprint: 'fp-k' }), {
        member: member(long),
        pointers: ['fp-k', long],
        now: NOW,
      });
      expect(opened).toEqual({ opened: true });
      expect(await store.lookupKey(long)).toMatchObject({ open: { incidentId: 'k1' } });
      expect(await store.claimDelivery(long, { now: NOW, leaseSeconds: 60 })).toMatchObject({ claimed: true });
      expect(await store.recoverSignal('k1', long, NOW.toISOString())).toMatchObject({ recovered: true });
    });

    it('records, lists and clears failed deliveries, counting attempts', async () => {
      const record = {
        source: 'jira' as const,
        channel: 'webhook' as const,
        route: 'jira',
        deliveryKey: 'abc',
        rawRef: 'file:///raw/jira/abc.json',
        receivedAt: NOW.toISOString(),
        failedAt: NOW.toISOString(),
        error: 'DynamoDB throttled',
      };
      await store.recordFailedDelivery(record);
      await store.recordFailedDelivery({ ...record, error: 'again' });
      await store.recordFailedDelivery({
        ...record,
        source: 'cloudwatch',
        channel: 'event',
        route: 'aws.cloudwatch',
        deliveryKey: 'def',
      });
      expect(await store.listFailedDeliveries({ source: 'jira' })).toEqual([
        { ...record, error: 'again', attempts: 2 },
      ]);
      expect(await store.listFailedDeliveries()).toHaveLength(2);
      await store.clearFailedDelivery('jira', 'abc');
      expect((await store.listFailedDeliveries()).map((f) => f.source)).toEqual(['cloudwatch']);
    });
  });
}

contract('in-memory', async () => new MemoryIncidentStore());

describe('against DynamoDB Local', () => {
  const db = new TestDynamoDb();
  beforeAll(() => db.start(), 90_000);
  afterAll(() => db.stop());
  contract('DynamoDB', () => db.store());
});
