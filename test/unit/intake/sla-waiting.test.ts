import type { Signal } from '../../../lambdas/core/incident';
import { pauseSla, type SlaState, startSlaClock } from '../../../lambdas/governance/sla/sla-clock';
import { acceptSignal } from '../../../lambdas/intake/intake-service';
import { MemoryAuditTrail, MemoryScheduler, testPolicy } from '../governance/fakes';
import { harness } from './support';

const RAW = 'memory://raw';

let revision = 0;
/** One ServiceNow delivery about the same ticket; each carries its own delivery id. */
const ticket = (overrides: Partial<Signal> = {}): Signal => ({
  source: 'servicenow',
  kind: 'ticket',
  action: 'update',
  deliveryId: `servicenow:abc:${++revision}:`,
  fingerprint: 'servicenow:abc',
  externalId: 'INC1',
  title: 'Cannot print invoices',
  description: 'the printer queue hangs',
  severity: { impact: 2, urgency: 2 },
  occurredAt: '2026-11-20T10:00:00Z',
  labels: {},
  ...overrides,
});

/** Intake wired with the SLA module's in-memory fakes, and an incident whose clock runs. */
async function setup() {
  const { store, clock, deps } = harness();
  const audit = new MemoryAuditTrail(clock);
  const scheduler = new MemoryScheduler();
  const sla = { store, audit, scheduler, clock };
  const intake = { ...deps, sla };
  const opened = await acceptSignal(intake, ticket({ action: 'create', deliveryId: 'servicenow:abc:0:' }), RAW);
  const id = opened.incidentId!;
  await startSlaClock({ ...sla, config: testPolicy().config }, id);
  const clockState = async () => (await store.get(id))!.agents.sla as SlaState;
  const timeline = async (type: string) => (await store.get(id))!.timeline.filter((e) => e.type === type);
  return { intake, sla, store, clock, audit, scheduler, id, clockState, timeline };
}

describe('SLA clocks following the ticket', () => {
  it('pause when an update says the ticket waits on the customer, and resume when a later one says it does not', async () => {
    const { intake, clock, audit, scheduler, id, clockState, timeline } = await setup();
    const due = (await clockState()).resolveBy;

    const waiting = await acceptSignal(intake, ticket({ waitingOn: 'customer', labels: { state: '3' } }), RAW);
    expect(waiting).toMatchObject({ incidentId: id, status: 'updated' });
    expect(await clockState()).toMatchObject({
      status: 'paused',
      pauses: [{ reason: 'servicenow INC1 is waiting on the customer', by: 'intake' }],
    });
    expect(scheduler.timers.size).toBe(0);
    expect((await timeline('sla.paused')).map((e) => e.summary)).toEqual([
      'clock paused: servicenow INC1 is waiting on the customer',
    ]);

    clock.advance(1800);
    await acceptSignal(intake, ticket({ waitingOn: 'none' }), RAW);
    const resumed = await clockState();
    expect(resumed).toMatchObject({ status: 'running', pausedSeconds: 1800 });
    expect(resumed.resolveBy).toBe(new Date(Date.parse(due) + 1800 * 1000).toISOString());
    expect(resumed.pauses[0]!.to).toBe(clock.now().toISOString());
    expect(await timeline('sla.resumed')).toHaveLength(1);
    expect(scheduler.timers.size).toBeGreaterThan(0);
    expect(audit.types(id)).toEqual(['sla.started', 'sla.paused', 'sla.resumed']);
  });

  it('change nothing when a second identical update arrives while the clock is already paused or running', async () => {
    const { intake, audit, id, clockState, timeline } = await setup();
    await acceptSignal(intake, ticket({ waitingOn: 'customer' }), RAW);
    const paused = await clockState();
    await acceptSignal(intake, ticket({ waitingOn: 'customer' }), RAW);
    expect(await clockState()).toEqual(paused);
    expect(await timeline('sla.paused')).toHaveLength(1);

    await acceptSignal(intake, ticket({ waitingOn: 'none' }), RAW);
    const running = await clockState();
    await acceptSignal(intake, ticket({ waitingOn: 'none' }), RAW);
    await acceptSignal(intake, ticket({}), RAW);
    expect(await clockState()).toEqual(running);
    expect(await timeline('sla.resumed')).toHaveLength(1);
    expect(audit.types(id)).toEqual(['sla.started', 'sla.paused', 'sla.resumed']);
  });

  it('leave a clock paused through the API alone when the ticket says it is not waiting', async () => {
    const { intake, sla, id, clockState } = await setup();
    await pauseSla(sla, id, 'caller asked us to wait until Monday');
    await acceptSignal(intake, ticket({ waitingOn: 'none' }), RAW);
    expect(await clockState()).toMatchObject({
      status: 'paused',
      pauses: [{ reason: expect.stringContaining('Monday') }],
    });
  });

  it('leave an incident without a clock, and intake without the SLA ports, as they were', async () => {
    const { store, deps } = harness();
    const opened = await acceptSignal(deps, ticket({ action: 'create', deliveryId: 'servicenow:abc:0:' }), RAW);
    await acceptSignal(
      { ...deps, sla: { store, audit: new MemoryAuditTrail(), scheduler: new MemoryScheduler(), clock: deps.clock } },
      ticket({ waitingOn: 'customer' }),
      RAW,
    );
    await acceptSignal(deps, ticket({ waitingOn: 'customer' }), RAW);
    const incident = (await store.get(opened.incidentId!))!;
    expect(incident.agents.sla).toBeUndefined();
    expect(incident.timeline.filter((e) => e.type.startsWith('sla.'))).toEqual([]);
  });
});
