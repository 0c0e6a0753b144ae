import { cloudwatchParser } from '../../../../lambdas/intake/sources/cloudwatch';
import { fixture, onlySignal, parseContext, sampleText } from '../support';

const parse = (body: unknown) => cloudwatchParser.parse(body, parseContext());

describe('the CloudWatch alarm parser', () => {
  it('opens an alert for a single-metric ALARM with the dimension as service and a console link', () => {
    const signal = onlySignal(parse(fixture('cloudwatch/alarm.json')));
    expect(signal).toMatchObject({
      source: 'cloudwatch',
      kind: 'alert',
      action: 'create',
      deliveryId: 'cloudwatch:7d2e5c1a-4b3f-4f7e-9a51-2f6c0d8e9b10',
      fingerprint: 'cloudwatch:111122223333:eu-west-1:orders-db-connections-high',
      title: 'orders-db-connections-high is in ALARM',
      service: 'AWS/RDS:orders-db',
      severity: { label: 'alarm' },
      occurredAt: '2026-11-20T09:45:00.123Z',
      labels: expect.objectContaining({ alarmKind: 'metric' }),
    });
    expect(signal.serviceHints).toEqual(expect.arrayContaining(['orders-db', 'orders-db-connections-high']));
    expect(signal.externalUrl).toContain('eu-west-1.console.aws.amazon.com');
  });

  it('resolves on OK with the same fingerprint', () => {
    const ok = onlySignal(parse(fixture('cloudwatch/ok.json')));
    expect(ok).toMatchObject({ action: 'resolve', title: 'orders-db-connections-high recovered' });
    expect(ok.fingerprint).toBe(onlySignal(parse(fixture('cloudwatch/alarm.json'))).fingerprint);
  });

  it('reads metric math alarms: service from the metrics, priority from a [P2] marker in the description', () => {
    const signal = onlySignal(parse(fixture('cloudwatch/metric-math.json')));
    expect(signal).toMatchObject({
      service: 'AWS/ApplicationELB:app/checkout-alb/50dc6c495c0c9188',
      severity: { priority: 'P2' },
      labels: expect.objectContaining({ alarmKind: 'metric-math' }),
    });
  });

  it('reads anomaly detection alarms', () => {
    const signal = onlySignal(parse(fixture('cloudwatch/anomaly-detection.json')));
    expect(signal).toMatchObject({
      service: 'AWS/ApiGateway:orders-api',
      labels: expect.objectContaining({ alarmKind: 'anomaly-detection' }),
    });
    expect(signal.description).toContain('upper thresholds');
  });

  it('correlates a composite alarm with the child alarms that triggered it', () => {
    const signal = onlySignal(parse(fixture('cloudwatch/composite.json')));
    expect(signal).toMatchObject({
      service: 'orders-service-degraded',
      correlationKeys: ['cloudwatch:111122223333:eu-west-1:orders-db-connections-high'],
      labels: expect.objectContaining({ alarmKind: 'composite', actionsSuppressedBy: 'WaitPeriod' }),
    });
    expect(signal.description).toContain('Alarm rule: ALARM("orders-db-connections-high")');
  });

  it('reads the multi-time-series summary and correlates each contributor with its alarm', () => {
    const summary = onlySignal(parse(fixture('cloudwatch/multi-time-series-summary.json')));
    const contributor = onlySignal(parse(fixture('cloudwatch/contributor-alarm.json')));
    expect(summary.labels.alarmKind).toBe('multi-time-series');
    expect(contributor).toMatchObject({
      action: 'create',
      fingerprint: `${summary.fingerprint}#6d442278dba546f6`,
      correlationKeys: [summary.fingerprint],
      service: 'AWS/DynamoDB:orders-prod',
      title: 'DynamoDBWriteHot [TableName=orders-prod] is in ALARM',
    });
    const recovered = onlySignal(parse(fixture('cloudwatch/contributor-ok.json')));
    expect(recovered).toMatchObject({ action: 'resolve', fingerprint: contributor.fingerprint });
  });

  it('ignores configuration changes, INSUFFICIENT_DATA and alarms inside a mute window, but lets recoveries through', () => {
    expect(parse(fixture('cloudwatch/configuration-change.json'))).toEqual({
      ignored: expect.stringContaining('Configuration Change'),
    });
    const alarm = fixture('cloudwatch/alarm.json');
    expect(parse({ ...alarm, detail: { ...alarm.detail, state: { value: 'INSUFFICIENT_DATA' } } })).toEqual({
      ignored: expect.stringContaining('insufficient data'),
    });
    const mute = {
      mutedByArn: 'arn:mute',
      muteWindowStart: '2026-11-20T09:00:00.000+0000',
      muteWindowEnd: '2026-11-20T11:00:00.000+0000',
    };
    expect(parse({ ...alarm, detail: { ...alarm.detail, muteDetail: mute } })).toEqual({
      ignored: 'alarm muted by arn:mute',
    });
    const ok = fixture('cloudwatch/ok.json');
    expect(onlySignal(parse({ ...ok, detail: { ...ok.detail, muteDetail: mute } })).action).toBe('resolve');
  });

  it('accepts the shared real sample, whose mute window lies years after the alarm', () => {
    const signal = onlySignal(
      parse(JSON.parse(sampleText('cloudwatch/aws-docs_single-metric-alarm_state-change.json'))),
    );
    expect(signal).toMatchObject({ action: 'create', service: 'AWS/EC2:i-12345678901234567' });
  });

  it('rejects an event without an alarm name', () => {
    const alarm = fixture('cloudwatch/alarm.json');
    expect(() => parse({ ...alarm, detail: { state: { value: 'ALARM' } } })).toThrow(/detail.alarmName/);
  });
});
