import { z } from 'zod';
import { sha256Hex } from '../../core/ids';
import type { Signal, Source } from '../../core/incident';
import { priorityFromName } from '../../core/priority-matrix';
import { firstLine, isoTime, names, originOf, type ParseContext, StringRecord } from './source';

/** One alert as Alertmanager (webhook v4) and Grafana alerting both send it. */
export const PrometheusAlert = z.looseObject({
  status: z.string().trim().min(1),
  labels: StringRecord.default({}),
  annotations: StringRecord.default({}),
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
});
export type PrometheusAlert = z.infer<typeof PrometheusAlert>;

/** The group envelope shared by Alertmanager and Grafana. */
export const AlertGroup = z.looseObject({
  receiver: z.string().nullish(),
  status: z.string().nullish(),
  alerts: z.array(PrometheusAlert),
  groupLabels: StringRecord.nullish(),
  commonLabels: StringRecord.nullish(),
  commonAnnotations: StringRecord.nullish(),
  externalURL: z.string().nullish(),
  version: z.union([z.string(), z.number()]).nullish(),
  groupKey: z.string().nullish(),
  truncatedAlerts: z.number().nullish(),
});
export type AlertGroup = z.infer<typeof AlertGroup>;

/** Labels that name the affected service, most specific first. */
const SERVICE_LABELS = ['service', 'service_name', 'app', 'app_kubernetes_io_name', 'application', 'job'];
/** Further labels worth matching against the service map. */
const HINT_LABELS = ['namespace', 'instance', 'host', 'hostname', 'pod', 'container', 'cluster', 'component', 'team'];

export interface AlertSignalOptions {
  source: Extract<Source, 'alertmanager' | 'grafana'>;
  group: AlertGroup;
  alert: PrometheusAlert;
  context: ParseContext;
  /** Extra text for the description (Grafana's evaluated values). */
  details?: string;
  /** Best link back for this alert (Grafana panel/dashboard). */
  link?: string;
}

/** Labels sorted into `k=v, ...`: a stable identity when the sender gave no fingerprint, and readable context. */
const labelText = (labels: Record<string, string>) =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');

/**
 * One alert of a group as a signal: `firing` opens (or joins), `resolved` recovers. The alert's fingerprint (or a
 * hash of its labels) identifies it across notifications; the delivery id adds start time and status, so the
 * repeat notifications Alertmanager sends every `repeat_interval` are recognised as duplicates. Alerts of one
 * group share the group as a correlation key, so one notification makes one incident.
 */
export function alertSignal(options: AlertSignalOptions): Signal | undefined {
  const { source, group, alert, context } = options;
  const status = alert.status.toLowerCase();
  if (status !== 'firing' && status !== 'resolved') return undefined;
  const labels = { ...(group.commonLabels ?? {}), ...alert.labels };
  const annotations = { ...(group.commonAnnotations ?? {}), ...alert.annotations };
  const identity = alert.fingerprint?.trim() || sha256Hex(labelText(alert.labels)).slice(0, 16);
  const alertname = labels.alertname ?? labels.__alert_rule_title__;
  const summary = annotations.summary ?? annotations.title ?? annotations.message;
  const title =
    firstLine(
      alertname && summary && !summary.includes(alertname) ? `${alertname}: ${summary}` : (summary ?? alertname),
    ) ?? `${source} alert ${identity}`;
  const description = [
    annotations.description ?? (summary !== annotations.message ? annotations.message : undefined) ?? '',
    options.details ?? '',
    `Labels: ${labelText(labels)}`,
  ]
    .filter(Boolean)
    .join('\n\n');
  const serviceLabel = SERVICE_LABELS.find((name) => labels[name]);
  // Alerts the sender grouped into one notification (its `group_by`, even an empty one) belong together.
  const grouped = group.groupKey?.trim();
  const severityName = labels.severity ?? labels.priority ?? labels.level;
  const resolved = status === 'resolved';
  const startsAt = isoTime(alert.startsAt, context.receivedAt);
  const endsAt = alert.endsAt ? isoTime(alert.endsAt, context.receivedAt) : undefined;

  return {
    source,
    kind: 'alert',
    action: resolved ? 'resolve' : 'create',
    deliveryId: `${source}:${identity}:${alert.startsAt ?? ''}:${status}`,
    fingerprint: `${source}:${identity}`,
    externalId: alertname ? `${alertname}/${identity}` : identity,
    externalUrl:
      options.link ??
      (originOf(alert.generatorURL) ? alert.generatorURL! : undefined) ??
      group.externalURL ??
      undefined,
    title,
    description,
    service: serviceLabel ? labels[serviceLabel] : undefined,
    serviceHints: names(HINT_LABELS.map((name) => labels[name])),
    severity: { priority: priorityFromName(labels.priority), label: severityName?.toLowerCase() },
    reporter: group.receiver ? `${source}:${group.receiver}` : source,
    occurredAt: resolved && endsAt && alert.endsAt && !alert.endsAt.startsWith('0001') ? endsAt : startsAt,
    labels: { ...labels, alertStatus: status, ...(group.receiver ? { receiver: group.receiver } : {}) },
    correlationKeys: grouped ? [`${source}:group:${group.receiver ?? ''}:${group.groupKey}`] : undefined,
  };
}
