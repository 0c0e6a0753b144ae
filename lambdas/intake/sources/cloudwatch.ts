import * as z from 'zod';
import type { Signal } from '../../core/incident';
import { priorityFromLabel, priorityFromName } from '../../core/priority-matrix';
import { isoTime, names, type ParseContext, type ParseOutcome, type SourceParser, validate } from './source';

const AlarmState = z.looseObject({
  value: z.string(),
  reason: z.string().nullish(),
  reasonData: z.string().nullish(),
  timestamp: z.string().nullish(),
  actionsSuppressedBy: z.string().nullish(),
});

const MetricStat = z.looseObject({
  metric: z.looseObject({
    namespace: z.string().nullish(),
    name: z.string().nullish(),
    dimensions: z.record(z.string(), z.string()).nullish(),
  }),
});

const MetricQuery = z.looseObject({
  id: z.string().nullish(),
  metricStat: MetricStat.nullish(),
  expression: z.string().nullish(),
  label: z.string().nullish(),
});

const AlarmEvent = z.looseObject({
  id: z.string().min(1),
  'detail-type': z.string(),
  source: z.string().nullish(),
  account: z.string().nullish(),
  time: z.string().nullish(),
  region: z.string().nullish(),
  resources: z.array(z.string()).nullish(),
  detail: z.looseObject({
    alarmName: z.string().min(1),
    state: AlarmState,
    previousState: AlarmState.nullish(),
    /** Multi-time-series (Metrics Insights) alarms: the one time series this event is about. */
    alarmContributor: z
      .looseObject({ id: z.string().min(1), attributes: z.record(z.string(), z.string()).nullish() })
      .nullish(),
    configuration: z
      .looseObject({
        description: z.string().nullish(),
        metrics: z.array(MetricQuery).nullish(),
        alarmRule: z.string().nullish(),
        actionsSuppressor: z.string().nullish(),
      })
      .nullish(),
    muteDetail: z
      .looseObject({ mutedByArn: z.string().nullish(), muteWindowStart: z.string(), muteWindowEnd: z.string() })
      .nullish(),
  }),
});
type AlarmEvent = z.infer<typeof AlarmEvent>;
type Detail = AlarmEvent['detail'];

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; Date.parse wants a colon in the offset. */
const cwTime = (value: string | null | undefined): number =>
  value ? Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NaN;

/** The namespace a Metrics Insights query reads (`SELECT ... FROM "AWS/DynamoDB" ...`). */
const insightsNamespace = (detail: Detail): string | undefined =>
  detail.configuration?.metrics
    ?.map((m) => /\bFROM\s+(?:SCHEMA\(\s*)?"?([\w./:-]+)"?/i.exec(m.expression ?? '')?.[1])
    .find(Boolean);

const isInsights = (detail: Detail) =>
  Boolean(detail.configuration?.metrics?.some((m) => /^\s*SELECT\b/i.test(m.expression ?? '')));

/**
 * The affected service and other names for it (matched against the service map): a `service` dimension or
 * contributor attribute if there is one, else the first dimension value qualified by its namespace
 * (`AWS/RDS:orders-db`); for composite and Metrics Insights summary alarms, the alarm name.
 */
function affectedService(detail: Detail): { service: string; hints: string[] } {
  const hints: string[] = [detail.alarmName];
  let service: string | undefined;
  const contributor = detail.alarmContributor?.attributes;
  if (contributor) {
    const namespace = insightsNamespace(detail);
    const named = Object.entries(contributor).find(([key]) => /^service(name)?$/i.test(key));
    const first = Object.values(contributor)[0];
    service = named?.[1] ?? (first ? (namespace ? `${namespace}:${first}` : first) : undefined);
    hints.push(
      ...Object.values(contributor),
      ...(namespace ? Object.values(contributor).map((v) => `${namespace}:${v}`) : []),
    );
  }
  for (const metric of detail.configuration?.metrics ?? []) {
    const { namespace, dimensions } = metric.metricStat?.metric ?? {};
    if (!dimensions) continue;
    const named = Object.entries(dimensions).find(([key]) => /^service(name)?$/i.test(key));
    const first = Object.values(dimensions)[0];
    service ??= named?.[1] ?? (first ? (namespace ? `${namespace}:${first}` : first) : undefined);
    for (const value of Object.values(dimensions)) hints.push(value, ...(namespace ? [`${namespace}:${value}`] : []));
  }
  return { service: service ?? detail.alarmName, hints: names(hints) };
}

/**
 * A severity the alarm's author wrote into its name or description (`[P1]`, `SEV2`, `severity: critical`);
 * otherwise the generic `alarm`, which leaves room for the service map's priority.
 */
function alarmSeverity(detail: Detail): { priority?: Signal['severity']['priority']; label: string } {
  const text = `${detail.alarmName}\n${detail.configuration?.description ?? ''}`;
  const keyed = /\b(?:severity|priority|sev)\s*[:=]\s*([\w-]+)/i.exec(text)?.[1];
  const marked = /(?:^|[\s[(])((?:P|SEV-?)[1-5])(?=$|[\s\])])/i.exec(text)?.[1];
  const priority = priorityFromName(keyed) ?? priorityFromName(marked);
  if (priority) return { priority, label: (keyed ?? marked ?? 'alarm').toLowerCase() };
  return { label: keyed && priorityFromLabel(keyed) ? keyed.toLowerCase() : 'alarm' };
}

/** Child alarms named in a composite alarm's `reasonData.triggeringAlarms`. */
function triggeringAlarms(detail: Detail): string[] {
  try {
    const data = JSON.parse(detail.state.reasonData ?? '{}') as { triggeringAlarms?: { arn?: unknown }[] };
    return (data.triggeringAlarms ?? [])
      .map((a) => (typeof a?.arn === 'string' ? a.arn.split(':alarm:')[1] : undefined))
      .filter((name): name is string => Boolean(name))
      .slice(0, 10);
  } catch {
    return [];
  }
}

function alarmKind(detail: Detail): string {
  if (detail.alarmContributor) return 'contributor';
  if (detail.configuration?.alarmRule) return 'composite';
  if (isInsights(detail)) return 'multi-time-series';
  const expressions = (detail.configuration?.metrics ?? []).map((m) => m.expression ?? '').filter(Boolean);
  if (expressions.some((e) => /ANOMALY_DETECTION_BAND/i.test(e))) return 'anomaly-detection';
  if (expressions.length > 0) return 'metric-math';
  return 'metric';
}

const ALARM_EVENTS = new Set(['CloudWatch Alarm State Change', 'CloudWatch Alarm Contributor State Change']);

/**
 * EventBridge `CloudWatch Alarm State Change` (single metric, metric math, anomaly detection, composite,
 * Metrics Insights multi-time-series summary) and `CloudWatch Alarm Contributor State Change` (one time series of
 * a multi-time-series alarm). ALARM opens, OK resolves, INSUFFICIENT_DATA and muted alarms are noted only.
 * Contributors correlate with their alarm; composite alarms with the child alarms that triggered them.
 */
export const cloudwatchParser: SourceParser = {
  source: 'cloudwatch',
  auth: { kind: 'none' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const event = validate(AlarmEvent, body, 'EventBridge event');
    const detailType = event['detail-type'];
    if (!ALARM_EVENTS.has(detailType)) {
      return { ignored: `detail-type '${detailType}' is not a CloudWatch alarm state change` };
    }
    const { detail } = event;
    const state = detail.state.value.toUpperCase();
    const at = cwTime(detail.state.timestamp) || Date.parse(event.time ?? '') || context.receivedAt.getTime();
    // A mute silences new alarms only: a recovery during the window still resolves what opened before it.
    if (detail.muteDetail && state === 'ALARM') {
      const start = cwTime(detail.muteDetail.muteWindowStart);
      const end = cwTime(detail.muteDetail.muteWindowEnd);
      if (at >= start && at <= end) {
        return { ignored: `alarm muted by ${detail.muteDetail.mutedByArn ?? 'a mute rule'}` };
      }
    }
    if (state === 'INSUFFICIENT_DATA') return { ignored: `alarm ${detail.alarmName} has insufficient data` };
    if (state !== 'ALARM' && state !== 'OK') return { ignored: `unknown alarm state ${detail.state.value}` };

    const region = event.region ?? 'us-east-1';
    const account = event.account ?? 'unknown';
    const alarmKey = `cloudwatch:${account}:${region}:${detail.alarmName}`;
    const contributor = detail.alarmContributor;
    const attributes = Object.entries(contributor?.attributes ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const kind = alarmKind(detail);
    const { service, hints } = affectedService(detail);
    const reason = detail.state.reason ?? '';
    const description = [
      detail.configuration?.description ?? '',
      detail.configuration?.alarmRule ? `Alarm rule: ${detail.configuration.alarmRule}` : '',
      contributor ? `Time series: ${attributes || contributor.id}` : '',
      reason,
    ]
      .filter(Boolean)
      .join('\n\n');
    const subject = contributor ? `${detail.alarmName} [${attributes || contributor.id}]` : detail.alarmName;
    const children = kind === 'composite' ? triggeringAlarms(detail) : [];
    const labels: Record<string, string> = { alarmName: detail.alarmName, account, region, state, alarmKind: kind };
    if (contributor) labels.contributorId = contributor.id;
    if (detail.state.actionsSuppressedBy) labels.actionsSuppressedBy = detail.state.actionsSuppressedBy;
    if (children.length) labels.triggeringAlarms = children.join(',');

    const signal: Signal = {
      source: 'cloudwatch',
      kind: 'alert',
      action: state === 'OK' ? 'resolve' : 'create',
      deliveryId: `cloudwatch:${event.id}`,
      fingerprint: contributor ? `${alarmKey}#${contributor.id}` : alarmKey,
      externalId:
        event.resources?.find((r) => r.trim()) ?? `arn:aws:cloudwatch:${region}:${account}:alarm:${detail.alarmName}`,
      externalUrl: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`,
      title: state === 'OK' ? `${subject} recovered` : `${subject} is in ALARM`,
      description,
      service,
      serviceHints: hints,
      severity: state === 'OK' ? { label: 'ok' } : alarmSeverity(detail),
      reporter: 'aws.cloudwatch',
      occurredAt: isoTime(at, context.receivedAt),
      labels,
      correlationKeys: contributor ? [alarmKey] : children.map((child) => `cloudwatch:${account}:${region}:${child}`),
    };
    return { signals: [signal] };
  },
};
