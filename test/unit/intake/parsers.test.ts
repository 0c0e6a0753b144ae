import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloudwatchParser } from '../../../lambdas/intake/sources/cloudwatch';
import { servicenowParser } from '../../../lambdas/intake/sources/servicenow';
import type { ParseOutcome } from '../../../lambdas/intake/sources/source';
import { BadRequestError } from '../../../lambdas/shared/errors';

const fixture = (path: string) => JSON.parse(readFileSync(join(__dirname, '../../fixtures', path), 'utf8'));
const context = { receivedAt: new Date('2026-11-20T10:00:00Z'), header: () => undefined };
const onlySignal = (outcome: ParseOutcome) => {
  if (!('signals' in outcome)) throw new Error(`expected signals, got ${outcome.ignored}`);
  expect(outcome.signals).toHaveLength(1);
  return outcome.signals[0]!;
};

describe('the ServiceNow parser', () => {
  it('unwraps a Table API result and keeps impact, urgency, the CI display value and the number', () => {
    const signal = onlySignal(servicenowParser.parse(fixture('servicenow/incident-created.json'), context));
    expect(signal).toMatchObject({
      source: 'servicenow',
      kind: 'ticket',
      action: 'create',
      externalId: 'INC0012345',
      fingerprint: 'servicenow:9d385017c611228701d22104cc95c371',
      title: 'Checkout API returning 503 for all customers',
      service: 'checkout-api',
      reporter: '5137',
      severity: { impact: 1, urgency: 1, priority: 'P1' },
      occurredAt: '2026-11-20T09:42:10.000Z',
    });
  });

  it('accepts a bare record with an empty short description by titling it from the description', () => {
    const signal = onlySignal(servicenowParser.parse(fixture('servicenow/incident-bare-minimal.json'), context));
    expect(signal.title).toBe('Outlook keeps asking for my password since this morning');
    expect(signal.severity).toEqual({ impact: 3, urgency: 2, priority: undefined });
    expect(signal.reporter).toBe('jane.doe');
  });

  it('distinguishes updates (sys_mod_count > 0) and resolutions (state 6/7) and gives each its own delivery id', () => {
    const base = fixture('servicenow/incident-created.json').result;
    const created = onlySignal(servicenowParser.parse(base, context));
    const updated = onlySignal(
      servicenowParser.parse({ ...base, sys_mod_count: '3', sys_updated_on: '2026-11-20 10:00:00' }, context),
    );
    const resolved = onlySignal(servicenowParser.parse({ ...base, state: '6', sys_mod_count: '4' }, context));
    expect([created.action, updated.action, resolved.action]).toEqual(['create', 'update', 'resolve']);
    expect(new Set([created.deliveryId, updated.deliveryId, resolved.deliveryId]).size).toBe(3);
    expect(updated.fingerprint).toBe(created.fingerprint);
  });

  it('rejects a record without sys_id with a 400 naming the field', () => {
    expect.assertions(3);
    try {
      servicenowParser.parse({ result: { number: 'INC1' } }, context);
    } catch (error) {
      expect(error).toBeInstanceOf(BadRequestError);
      expect((error as BadRequestError).field).toBe('sys_id');
      expect((error as BadRequestError).statusCode).toBe(400);
    }
  });
});

describe('the CloudWatch alarm parser', () => {
  it('opens an alert for ALARM with the metric dimension as service and a console link', () => {
    const signal = onlySignal(cloudwatchParser.parse(fixture('cloudwatch/alarm.json'), context));
    expect(signal).toMatchObject({
      source: 'cloudwatch',
      kind: 'alert',
      action: 'create',
      deliveryId: 'cloudwatch:7d2e5c1a-4b3f-4f7e-9a51-2f6c0d8e9b10',
      fingerprint: 'cloudwatch:111122223333:eu-west-1:orders-db-connections-high',
      title: 'orders-db-connections-high is in ALARM',
      service: 'AWS/RDS:orders-db',
      occurredAt: '2026-11-20T09:45:00.123Z',
    });
    expect(signal.description).toContain('connection pool');
    expect(signal.externalUrl).toContain('eu-west-1.console.aws.amazon.com');
  });

  it('resolves on OK, ignores INSUFFICIENT_DATA and alarms inside a mute window', () => {
    const alarm = fixture('cloudwatch/alarm.json');
    const ok = { ...alarm, id: 'x1', detail: { ...alarm.detail, state: { ...alarm.detail.state, value: 'OK' } } };
    expect(onlySignal(cloudwatchParser.parse(ok, context)).action).toBe('resolve');
    const noData = { ...alarm, detail: { ...alarm.detail, state: { value: 'INSUFFICIENT_DATA' } } };
    expect(cloudwatchParser.parse(noData, context)).toEqual({ ignored: expect.stringContaining('insufficient data') });
    const muted = {
      ...alarm,
      detail: {
        ...alarm.detail,
        muteDetail: {
          mutedByArn: 'arn:mute',
          muteWindowStart: '2026-11-20T09:00:00.000+0000',
          muteWindowEnd: '2026-11-20T10:00:00.000+0000',
        },
      },
    };
    expect(cloudwatchParser.parse(muted, context)).toEqual({ ignored: 'alarm muted by arn:mute' });
  });

  it('rejects an event without an alarm name', () => {
    const alarm = fixture('cloudwatch/alarm.json');
    expect(() => cloudwatchParser.parse({ ...alarm, detail: { state: { value: 'ALARM' } } }, context)).toThrow(
      /detail.alarmName/,
    );
  });
});
