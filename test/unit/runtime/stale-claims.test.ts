import type { Signal } from '../../../lambdas/core/incident';
import { acceptSignal } from '../../../lambdas/intake/intake-service';
import { releaseStaleClaims } from '../../../local/stale-claims';
import { TestDynamoDb } from '../intake/dynamodb-local';
import { ManualClock, MemoryArchive, RecordingWorkflow, testSettings } from '../intake/support';

const db = new TestDynamoDb();
beforeAll(() => db.start(), 90_000);
afterAll(() => db.stop());

const LEASE = { leaseSeconds: 60 };
const before = new Date('2026-12-03T10:00:00Z');
const restartedAt = new Date('2026-12-03T10:00:05Z');
const after = new Date('2026-12-03T10:00:06Z');

describe('releasing the claims a stopped local runtime left pending', () => {
  it('releases only claims still pending from before the start, so the next attempt takes them over at once', async () => {
    const { name, client, store } = await db.table();
    await store.claimDelivery('died-mid-attempt', { now: before, ...LEASE });
    await store.claimDelivery('finished', { now: before, ...LEASE });
    await store.completeDelivery('finished', { incidentId: 'inc-1', status: 'created' });
    await store.claimDelivery('claimed-since-the-start', { now: after, ...LEASE });

    const released = await releaseStaleClaims({ client, tableName: name, ledger: store, startedAt: restartedAt });

    expect(released).toEqual(['died-mid-attempt']);
    expect(await store.getDelivery('died-mid-attempt')).toMatchObject({ state: 'failed' });
    expect(await store.getDelivery('finished')).toMatchObject({ state: 'done', incidentId: 'inc-1' });
    expect(await store.getDelivery('claimed-since-the-start')).toMatchObject({ state: 'pending' });
    // Well inside the dead attempt's lease, a new attempt takes the claim over.
    expect(await store.claimDelivery('died-mid-attempt', { now: after, ...LEASE })).toEqual({
      claimed: true,
      attempt: 2,
    });
  });

  it('lets a redelivery store a delivery whose first attempt died after claiming it and before storing anything', async () => {
    const { name, client, store } = await db.table();
    const signal: Signal = {
      source: 'servicenow',
      kind: 'ticket',
      action: 'create',
      deliveryId: 'servicenow:lost:0:',
      fingerprint: 'servicenow:lost',
      externalId: 'INC9',
      title: 'Printer queue stuck',
      description: '',
      severity: { impact: 3, urgency: 3 },
      occurredAt: before.toISOString(),
      labels: {},
    };
    // The process died right after the claim: no incident, no workflow, the claim pending.
    await store.claimDelivery(signal.deliveryId, { now: before, ...LEASE });
    const workflow = new RecordingWorkflow();
    const deps = {
      store,
      workflow,
      archive: new MemoryArchive(),
      clock: new ManualClock(after),
      settings: testSettings({ duplicateWaitMs: 50 }),
    };
    // Without the release the sender's retry is answered `duplicate` with nothing stored, and the sender stops.
    expect(await acceptSignal(deps, signal, 'memory://raw')).toMatchObject({ status: 'duplicate', incidentId: null });

    await releaseStaleClaims({ client, tableName: name, ledger: store, startedAt: restartedAt });
    const retry = await acceptSignal(deps, signal, 'memory://raw');
    expect(retry).toMatchObject({ status: 'created', incidentId: expect.stringMatching(/^inc-/) });
    expect(workflow.started).toHaveLength(1);
  });
});
