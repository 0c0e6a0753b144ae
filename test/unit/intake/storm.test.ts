import type { IncidentStore } from '../../../lambdas/ports/incident-store';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { TestDynamoDb } from './dynamodb-local';
import { deliverStorm } from './storm';
import { ManualClock, MemoryArchive, RecordingWorkflow, testSettings } from './support';

/**
 * The alarm storm of the issue: 300 distinct alarms on one service within a minute, each delivered twice, all at
 * once. It must make a handful of incidents and executions (here: one), answer every delivery, and resolve the
 * incident once every alarm has recovered.
 */
function storm(name: string, makeStore: () => Promise<IncidentStore>, count: number) {
  it(`${name}: ${count} distinct alarms on one service, each delivered twice concurrently, make one incident and one execution`, async () => {
    const store = await makeStore();
    const workflow = new RecordingWorkflow();
    const deps = {
      store,
      workflow,
      archive: new MemoryArchive(),
      clock: new ManualClock(),
      settings: testSettings({ duplicateWaitMs: 20_000 }),
    };

    const firing = await deliverStorm(deps, count);
    expect(firing.failures).toEqual([]);
    expect(firing.answers).toHaveLength(count * 2);
    expect(firing.incidents.size).toBeLessThanOrEqual(3);
    expect(workflow.started.length).toBeLessThanOrEqual(firing.incidents.size);
    expect(firing.incidents.size).toBe(1);
    const statuses = firing.answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 'created')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(count);
    expect(statuses.filter((s) => s === 'correlated')).toHaveLength(count - 1);

    const [incidentId] = [...firing.incidents];
    expect(await store.getRoster(incidentId!)).toMatchObject({ open: true, members: count, firing: count });
    const incident = await store.get(incidentId!);
    expect(incident?.executionArn).toBe(
      `arn:aws:states:us-east-1:000000000000:execution:lumos-incident:${workflow.started[0]!.name}`,
    );

    const recovery = await deliverStorm(deps, count, { state: 'OK' });
    expect(recovery.failures).toEqual([]);
    expect(recovery.answers.filter((a) => a.status === 'resolved')).toHaveLength(1);
    expect((await store.get(incidentId!))?.status).toBe('resolved');
    expect(await store.getRoster(incidentId!)).toMatchObject({ open: false, firing: 0 });
    expect(workflow.started).toHaveLength(1);
  }, 180_000);
}

describe('an alarm storm', () => {
  storm('in memory', async () => new MemoryIncidentStore({ latencyMs: 4 }), 300);

  describe('against DynamoDB Local', () => {
    const db = new TestDynamoDb();
    beforeAll(() => db.start(), 90_000);
    afterAll(() => db.stop());
    storm('DynamoDB', () => db.store(), 300);
  });
});
