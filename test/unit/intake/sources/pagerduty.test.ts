import { pagerdutyParser } from '../../../../lambdas/intake/sources/pagerduty';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { fixture, onlySignal, parseContext, sampleText } from '../support';

const parse = (body: unknown) => pagerdutyParser.parse(body, parseContext());

describe('the PagerDuty V3 parser', () => {
  it('opens an alert from incident.triggered with the PagerDuty priority, service and link', () => {
    const signal = onlySignal(parse(fixture('pagerduty/incident-triggered.json')));
    expect(signal).toMatchObject({
      source: 'pagerduty',
      kind: 'alert',
      action: 'create',
      deliveryId: 'pagerduty:01FQ3A8D7ZK4N2B9X5C6V1M0TR',
      fingerprint: 'pagerduty:Q2FZ9T1PO8LJ3M',
      externalUrl: 'https://acme.pagerduty.com/incidents/Q2FZ9T1PO8LJ3M',
      title: 'Checkout p99 latency above 2s',
      service: 'checkout-api',
      severity: { priority: 'P2', label: 'high' },
      occurredAt: '2026-11-20T09:50:03.117Z',
    });
    expect(signal.serviceHints).toEqual(expect.arrayContaining(['PSV1CHK', 'Payments']));
  });

  it.each([
    ['incident-acknowledged.json', 'update'],
    ['incident-priority-updated.json', 'update'],
    ['incident-escalated.json', 'update'],
    ['incident-reassigned.json', 'update'],
    ['incident-annotated.json', 'update'],
    ['incident-resolved.json', 'resolve'],
  ])('maps %s to %s on the same incident', (file, action) => {
    const signal = onlySignal(parse(fixture(`pagerduty/${file}`)));
    expect(signal.action).toBe(action);
    expect(signal.fingerprint).toBe('pagerduty:Q2FZ9T1PO8LJ3M');
  });

  it('raises the priority on incident.priority_updated and keeps the note of an annotation', () => {
    expect(onlySignal(parse(fixture('pagerduty/incident-priority-updated.json'))).severity.priority).toBe('P1');
    const note = onlySignal(parse(fixture('pagerduty/incident-annotated.json')));
    expect(note.changeNote).toContain('Rolled back release');
    expect(note.title).toBe('Checkout p99 latency above 2s');
  });

  it('falls back to urgency when there is no priority, and tolerates a minimal payload', () => {
    const signal = onlySignal(parse(fixture('pagerduty/incident-triggered-minimal.json')));
    expect(signal).toMatchObject({
      severity: { priority: undefined, label: 'low' },
      title: 'Disk almost full on db-7',
    });
    expect(signal.externalUrl).toBeUndefined();
  });

  it('ignores events that are not about incidents', () => {
    expect(parse(fixture('pagerduty/service-updated.json'))).toEqual({
      ignored: expect.stringContaining('service.updated'),
    });
  });

  it('accepts the shared real sample (priority null, urgency high)', () => {
    const signal = onlySignal(parse(JSON.parse(sampleText('pagerduty/zulip_triggered_v3.json'))));
    expect(signal).toMatchObject({
      action: 'create',
      externalId: 'PFQZPSY',
      service: 'pig208',
      severity: { label: 'high' },
    });
  });

  it('rejects a body without event.event_type', () => {
    expect(() => parse({ event: { id: 'x' } })).toThrow(BadRequestError);
  });

  it('never says an alert waits on the customer', () => {
    for (const name of ['incident-triggered', 'incident-priority-updated', 'incident-annotated']) {
      expect(onlySignal(parse(fixture(`pagerduty/${name}.json`))).waitingOn).toBeUndefined();
    }
  });
});
