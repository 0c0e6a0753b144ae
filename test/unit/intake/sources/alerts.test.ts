import { alertmanagerParser } from '../../../../lambdas/intake/sources/alertmanager';
import { grafanaParser } from '../../../../lambdas/intake/sources/grafana';
import { BadRequestError } from '../../../../lambdas/shared/errors';
import { fixture, onlySignal, parseContext, sampleText, signalsOf } from '../support';

const alertmanager = (body: unknown) => alertmanagerParser.parse(body, parseContext());
const grafana = (body: unknown) => grafanaParser.parse(body, parseContext());

describe('the Alertmanager parser', () => {
  it('turns a grouped notification into one signal per alert with the group as correlation key', () => {
    const signals = signalsOf(alertmanager(fixture('alertmanager/group-firing.json')));
    expect(signals).toHaveLength(2);
    expect(signals[0]).toMatchObject({
      source: 'alertmanager',
      kind: 'alert',
      action: 'create',
      fingerprint: 'alertmanager:7f3c1b2a9e4d5c60',
      externalId: 'HighErrorRate/7f3c1b2a9e4d5c60',
      service: 'checkout-api',
      severity: { label: 'critical' },
      occurredAt: '2026-11-20T09:58:30.118Z',
    });
    expect(signals[0]!.title).toBe('HighErrorRate on checkout-1:9100');
    expect(signals[0]!.correlationKeys).toEqual([signals[1]!.correlationKeys![0]]);
    expect(signals[0]!.description).toContain('Labels: alertname=HighErrorRate');
    expect(new Set(signals.map((s) => s.fingerprint)).size).toBe(2);
  });

  it('resolves each alert of a resolved notification at its end time', () => {
    const signals = signalsOf(alertmanager(fixture('alertmanager/group-resolved.json')));
    expect(signals.map((s) => s.action)).toEqual(['resolve', 'resolve']);
    expect(signals[0]!.occurredAt).toBe('2026-11-20T10:14:30.118Z');
    const firing = signalsOf(alertmanager(fixture('alertmanager/group-firing.json')));
    expect(signals[0]!.fingerprint).toBe(firing[0]!.fingerprint);
    expect(signals[0]!.deliveryId).not.toBe(firing[0]!.deliveryId);
  });

  it('handles mixed firing and resolved alerts, grouped by the notification even without group labels, and keeps unicode', () => {
    const signals = signalsOf(alertmanager(fixture('alertmanager/group-mixed.json')));
    expect(signals.map((s) => s.action)).toEqual(['create', 'resolve']);
    expect(signals[0]!.correlationKeys).toEqual(['alertmanager:group:lumos:{}:{}']);
    const { groupKey: _omitted, ...ungrouped } = fixture('alertmanager/group-mixed.json');
    expect(signalsOf(alertmanager(ungrouped))[0]!.correlationKeys).toBeUndefined();
    expect(signals[0]!.description).toContain('💾');
  });

  it('acknowledges an empty alert list as nothing to do', () => {
    expect(alertmanager(fixture('alertmanager/empty-alerts.json'))).toEqual({
      ignored: expect.stringContaining('no alerts'),
    });
  });

  it('identifies an alert without a fingerprint by its labels', () => {
    const body = fixture('alertmanager/group-firing.json');
    for (const alert of body.alerts) delete alert.fingerprint;
    const [a, b] = signalsOf(alertmanager(body));
    expect(a!.fingerprint).toMatch(/^alertmanager:[0-9a-f]{16}$/);
    expect(a!.fingerprint).not.toBe(b!.fingerprint);
  });

  it('accepts the shared real sample', () => {
    const signals = signalsOf(alertmanager(JSON.parse(sampleText('alertmanager/zulip_alertmanager_alert.json'))));
    expect(signals).toHaveLength(2);
    expect(signals[0]).toMatchObject({ action: 'create', severity: { label: 'critical' } });
  });

  it('gives an alert without its own status the status of its notification', () => {
    const body = fixture('alertmanager/group-resolved.json');
    for (const alert of body.alerts) delete alert.status;
    const signals = signalsOf(alertmanager(body));
    expect(signals.length).toBe(body.alerts.length);
    expect(signals.every((s) => s.action === 'resolve' && s.labels.alertStatus === 'resolved')).toBe(true);
  });

  it('refuses only the alert that has no status anywhere, naming its field, and keeps the others', () => {
    const body = fixture('alertmanager/group-firing.json');
    delete body.status;
    delete body.alerts[1].status;
    const outcome = alertmanager(body);
    if (!('items' in outcome)) throw new Error('expected one item per alert');
    expect(outcome.list).toBe('alerts');
    const refused = outcome.items[1]!;
    expect('refused' in refused && refused.refused).toBeInstanceOf(BadRequestError);
    expect('refused' in refused && refused.refused.field).toBe('alerts.1.status');
    expect('signal' in outcome.items[0]!).toBe(true);
  });

  it('refuses a malformed alert on its own, naming the field inside the whole body', () => {
    const body = fixture('alertmanager/group-firing.json');
    body.alerts[0].labels = 42;
    const outcome = alertmanager(body);
    if (!('items' in outcome)) throw new Error('expected one item per alert');
    const first = outcome.items[0]!;
    expect('refused' in first && first.refused.field).toBe('alerts.0.labels');
    expect(outcome.items.slice(1).every((item) => 'signal' in item)).toBe(true);
  });
});

describe('the Grafana parser', () => {
  it('reads unified alerting notifications with values and the panel link', () => {
    const signals = signalsOf(grafana(fixture('grafana/firing-2-alerts.json')));
    expect(signals).toHaveLength(2);
    expect(signals[0]).toMatchObject({
      source: 'grafana',
      action: 'create',
      fingerprint: 'grafana:d41d8cd98f00b204',
      service: 'edge-proxy',
      externalUrl: 'https://grafana.example.com/d/edge01?viewPanel=4',
      occurredAt: '2026-11-20T09:00:10.000Z',
    });
    expect(signals[0]!.description).toContain('value=0.071');
  });

  it('resolves a resolved alert', () => {
    const signal = onlySignal(grafana(fixture('grafana/resolved.json')));
    expect(signal).toMatchObject({
      action: 'resolve',
      fingerprint: 'grafana:d41d8cd98f00b204',
      occurredAt: '2026-11-20T09:25:10.000Z',
    });
  });

  it('reads legacy dashboard alerts', () => {
    const signal = onlySignal(grafana(fixture('grafana/legacy-alerting.json')));
    expect(signal).toMatchObject({
      action: 'create',
      fingerprint: 'grafana:rule:7',
      service: 'ci-build',
      severity: { label: 'warning' },
    });
    const ok = onlySignal(grafana({ ...fixture('grafana/legacy-alerting.json'), state: 'ok' }));
    expect(ok.action).toBe('resolve');
    expect(grafana({ ...fixture('grafana/legacy-alerting.json'), state: 'no_data' })).toEqual({
      ignored: expect.any(String),
    });
  });

  it('accepts the shared real sample (empty dashboard and panel links fall back to the rule link)', () => {
    const signals = signalsOf(
      grafana(JSON.parse(sampleText('grafana/grafana-docs_webhook-notifier_firing_2alerts.json'))),
    );
    expect(signals).toHaveLength(2);
    expect(signals[0]!.externalUrl).toBe('https://play.grafana.org/alerting/1afz29v7z/edit');
    expect(signals[0]!.occurredAt).toBe('2021-10-12T07:51:03.157Z');
  });

  it('acknowledges an empty alert list', () => {
    expect(grafana({ ...fixture('grafana/resolved.json'), alerts: [] })).toEqual({
      ignored: expect.stringContaining('no alerts'),
    });
  });
});
