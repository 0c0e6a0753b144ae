import type { Signal } from '../../../lambdas/core/incident';
import { acceptSignal } from '../../../lambdas/intake/intake-service';
import { loadIntakeSettings } from '../../../lambdas/intake/settings';
import { harness } from './support';

const RAW = 'memory://raw';
let n = 0;
const signal = (kind: 'ticket' | 'alert', overrides: Partial<Signal> = {}): Signal => {
  n++;
  return {
    source: kind === 'ticket' ? 'servicenow' : 'alertmanager',
    kind,
    action: 'create',
    deliveryId: `${kind}-${n}`,
    fingerprint: `${kind}:${n}`,
    externalId: `${kind.toUpperCase()}${n}`,
    title: kind === 'ticket' ? 'Checkout is failing for me' : 'checkout-api 5xx above 20%',
    description: '',
    severity: {},
    occurredAt: '2026-12-03T10:00:00Z',
    labels: {},
    service: 'checkout-api',
    ...overrides,
  };
};

describe('a ticket and an alarm about the same outage', () => {
  const settings = { correlateAcrossKinds: true };

  it('is read from LUMOS_CORRELATE_ACROSS_KINDS, on unless switched off', () => {
    expect(loadIntakeSettings({}).correlateAcrossKinds).toBe(true);
    expect(loadIntakeSettings({ LUMOS_CORRELATE_ACROSS_KINDS: 'off' }).correlateAcrossKinds).toBe(false);
  });

  it('correlates a ticket into the incident its service alarm opened', async () => {
    const { deps, workflow } = harness({ settings });
    const alarm = await acceptSignal(deps, signal('alert'), RAW);
    const ticket = await acceptSignal(deps, signal('ticket'), RAW);
    expect(ticket).toMatchObject({ status: 'correlated', incidentId: alarm.incidentId });
    expect(workflow.started).toHaveLength(1);
  });

  it('correlates an alarm into the incident a ticket about its service opened', async () => {
    const { deps } = harness({ settings });
    const ticket = await acceptSignal(deps, signal('ticket'), RAW);
    const alarm = await acceptSignal(deps, signal('alert'), RAW);
    expect(alarm).toMatchObject({ status: 'correlated', incidentId: ticket.incidentId });
  });

  it('still keeps two tickets apart, and the window with the first one', async () => {
    const { deps } = harness({ settings });
    const first = await acceptSignal(deps, signal('ticket'), RAW);
    const second = await acceptSignal(deps, signal('ticket'), RAW);
    expect(second.status).toBe('created');
    expect(second.incidentId).not.toBe(first.incidentId);
    const alarm = await acceptSignal(deps, signal('alert'), RAW);
    expect(alarm).toMatchObject({ status: 'correlated', incidentId: first.incidentId });
  });

  it('does not correlate across kinds when switched off, nor for another service', async () => {
    const off = harness({ settings: { correlateAcrossKinds: false } });
    const a = await acceptSignal(off.deps, signal('alert'), RAW);
    expect((await acceptSignal(off.deps, signal('ticket'), RAW)).incidentId).not.toBe(a.incidentId);
    const on = harness({ settings });
    const b = await acceptSignal(on.deps, signal('alert'), RAW);
    expect((await acceptSignal(on.deps, signal('ticket', { service: 'search-api' }), RAW)).incidentId).not.toBe(
      b.incidentId,
    );
  });

  it('links a ticket that arrives just after the alarm incident ended to that incident, once, without a second workflow', async () => {
    const { deps, workflow, store, clock } = harness({ settings: { ...settings, correlationWindowSeconds: 600 } });
    const alarm = signal('alert');
    const opened = await acceptSignal(deps, alarm, RAW);
    const recovered = await acceptSignal(deps, { ...alarm, action: 'resolve', deliveryId: 'alert-ok' }, RAW);
    expect(recovered.status).toBe('resolved');
    clock.advance(30);
    const report = signal('ticket');
    const linked = await acceptSignal(deps, report, RAW);
    expect(linked).toMatchObject({ status: 'correlated', incidentId: opened.incidentId });
    expect(workflow.started).toHaveLength(1);
    const again = await acceptSignal(deps, { ...report, action: 'update', deliveryId: 'ticket-again' }, RAW);
    expect(again).toMatchObject({ status: 'updated', incidentId: opened.incidentId });
    const incident = await store.get(opened.incidentId!);
    expect(incident?.timeline.filter((e) => e.type === 'ticket.linked')).toHaveLength(1);
    // Another service's ticket, and an alarm firing again, are other outages.
    expect((await acceptSignal(deps, signal('ticket', { service: 'search-api' }), RAW)).status).toBe('created');
    expect((await acceptSignal(deps, signal('alert'), RAW)).incidentId).not.toBe(opened.incidentId);
  });

  it("does not link one person's own case after the outage ended, but still joins it while it lasts", async () => {
    const individual = { severity: { impact: 3, urgency: 2 } };
    const live = harness({ settings });
    const firing = await acceptSignal(live.deps, signal('alert'), RAW);
    const during = await acceptSignal(live.deps, signal('ticket', individual), RAW);
    expect(during).toMatchObject({ status: 'correlated', incidentId: firing.incidentId });

    const { deps } = harness({ settings: { ...settings, correlationWindowSeconds: 600 } });
    const alarm = signal('alert');
    const opened = await acceptSignal(deps, alarm, RAW);
    await acceptSignal(deps, { ...alarm, action: 'resolve', deliveryId: 'alert-ok-own' }, RAW);
    const own = await acceptSignal(deps, signal('ticket', individual), RAW);
    expect(own.status).toBe('created');
    expect(own.incidentId).not.toBe(opened.incidentId);
    const broad = await acceptSignal(deps, signal('ticket', { severity: { impact: 2 } }), RAW);
    expect(broad).toMatchObject({ status: 'correlated', incidentId: opened.incidentId });
  });

  it('lets a ticket long after the outage ended open its own incident', async () => {
    const { deps, clock } = harness({ settings: { ...settings, correlationWindowSeconds: 600 } });
    const alarm = signal('alert');
    const opened = await acceptSignal(deps, alarm, RAW);
    await acceptSignal(deps, { ...alarm, action: 'resolve', deliveryId: 'alert-ok-late' }, RAW);
    clock.advance(121);
    const late = await acceptSignal(deps, signal('ticket'), RAW);
    expect(late.status).toBe('created');
    expect(late.incidentId).not.toBe(opened.incidentId);
  });
});
