import { z } from 'zod';
import type { Signal } from '../../core/incident';
import { type ParseContext, type ParseOutcome, type SourceParser, validate } from './source';

const AlarmState = z.looseObject({
  value: z.string(),
  reason: z.string().optional(),
  timestamp: z.string().optional(),
});

const MetricStat = z.looseObject({
  metric: z.looseObject({
    namespace: z.string().optional(),
    name: z.string().optional(),
    dimensions: z.record(z.string(), z.string()).optional(),
  }),
});

const AlarmStateChange = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  time: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.looseObject({
    alarmName: z.string().min(1),
    state: AlarmState,
    previousState: AlarmState.optional(),
    configuration: z
      .looseObject({
        description: z.string().nullish(),
        metrics: z.array(z.looseObject({ metricStat: MetricStat.optional() })).optional(),
        alarmRule: z.string().optional(),
      })
      .optional(),
    muteDetail: z
      .looseObject({ mutedByArn: z.string().optional(), muteWindowStart: z.string(), muteWindowEnd: z.string() })
      .optional(),
  }),
});

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; Date.parse wants a colon in the offset. */
const cwTime = (value: string | undefined): number =>
  value ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;

/**
 * The affected service: a `service` dimension if the metric has one, else the first dimension value qualified by the
 * namespace (`AWS/EC2:i-0abc`), else the alarm name. Deployments refine this with the service map (intake issue).
 */
function affectedService(detail: z.infer<typeof AlarmStateChange>['detail']): string {
  for (const metric of detail.configuration?.metrics ?? []) {
    const { namespace, dimensions } = metric.metricStat?.metric ?? {};
    if (!dimensions) continue;
    const named = Object.entries(dimensions).find(([key]) => /^service(name)?$/i.test(key));
    if (named) return named[1];
    const first = Object.values(dimensions)[0];
    if (first) return namespace ? `${namespace}:${first}` : first;
  }
  return detail.alarmName;
}

/** EventBridge `CloudWatch Alarm State Change` events: ALARM opens, OK resolves, INSUFFICIENT_DATA is noted only. */
export const cloudwatchParser: SourceParser = {
  source: 'cloudwatch',
  auth: { kind: 'none' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const event = validate(AlarmStateChange, body, 'EventBridge event');
    if (!event['detail-type'].startsWith('CloudWatch Alarm')) {
      return { ignored: `detail-type '${event['detail-type']}' is not a CloudWatch alarm event` };
    }
    const { detail } = event;
    const state = detail.state.value.toUpperCase();
    const at = cwTime(detail.state.timestamp) || Date.parse(event.time ?? '') || context.receivedAt.getTime();
    if (detail.muteDetail) {
      const start = cwTime(detail.muteDetail.muteWindowStart);
      const end = cwTime(detail.muteDetail.muteWindowEnd);
      if (at >= start && at <= end)
        return { ignored: `alarm muted by ${detail.muteDetail.mutedByArn ?? 'a mute rule'}` };
    }
    if (state === 'INSUFFICIENT_DATA') return { ignored: `alarm ${detail.alarmName} has insufficient data` };
    if (state !== 'ALARM' && state !== 'OK') return { ignored: `unknown alarm state ${detail.state.value}` };

    const region = event.region ?? 'us-east-1';
    const account = event.account ?? 'unknown';
    const reason = detail.state.reason ?? '';
    const description = [detail.configuration?.description ?? '', reason].filter(Boolean).join('\n\n');
    const signal: Signal = {
      source: 'cloudwatch',
      kind: 'alert',
      action: state === 'OK' ? 'resolve' : 'create',
      deliveryId: `cloudwatch:${event.id}`,
      fingerprint: `cloudwatch:${account}:${region}:${detail.alarmName}`,
      externalId: event.resources?.[0] ?? `arn:aws:cloudwatch:${region}:${account}:alarm:${detail.alarmName}`,
      externalUrl: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`,
      title: state === 'OK' ? `${detail.alarmName} recovered` : `${detail.alarmName} is in ALARM`,
      description,
      service: affectedService(detail),
      severity: { label: state === 'ALARM' ? 'alarm' : 'ok' },
      reporter: 'aws.cloudwatch',
      occurredAt: new Date(Number.isNaN(at) ? context.receivedAt.getTime() : at).toISOString(),
      labels: { alarmName: detail.alarmName, account, region, state },
    };
    return { signals: [signal] };
  },
};
