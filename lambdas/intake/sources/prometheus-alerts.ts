import * as z from 'zod';
import { sha256Hex } from '../../core/ids';
import type { Signal, Source } from '../../core/incident';
import { priorityFromName } from '../../core/priority-matrix';
import { BadRequestError } from '../../shared/errors';
import {
  type BatchItem,
  batchItem,
  firstLine,
  isoTime,
  names,
  originOf,
  type ParseContext,
  type ParseOutcome,
  StringRecord,
  validate,
} from './source';

/**
 * One alert as Alertmanager (webhook v4) and Grafana alerting both send it. `status` may be missing: some senders
 * (and hand-written tests) leave it to the group's `status`, which then applies.
 */
export const PrometheusAlert = z.looseObject({
  status: z.string().nullish(),
  labels: StringRecord.default({}),
  annotations: StringRecord.default({}),
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
});
export type PrometheusAlert = z.infer<typeof PrometheusAlert>;

/**
 * The group envelope shared by Alertmanager and Grafana. Its alerts are validated one by one ({@link groupItems}),
 * so one malformed alert is refused on its own instead of sinking the whole notification.
 */
export const AlertGroup = z.looseObject({
  receiver: z.string().nullish(),
  status: z.string().nullish(),
  alerts: z.array(z.unknown()),
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
  /** The alert's position in `alerts` (names the field when the alert is refused). */
  index: number;
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
export function alertSignal(options: AlertSignalOptions): Signal | { ignored: string } {
  const { source, group, alert, context } = options;
  const status = (alert.status?.trim() || group.status?.trim() || '').toLowerCase();
  if (!status) {
    throw new BadRequestError(
      `alerts.${options.index}: the alert has no status and neither has its notification`,
      'schema_mismatch',
      `alerts.${options.index}.status`,
    );
  }
  if (status !== 'firing' && status !== 'resolved') {
    return { ignored: `alert status '${status.slice(0, 40)}' is neither firing nor resolved` };
  }
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

/**
 * A notification's alerts, each judged on its own ({@link batchItem}): validated against `schema` (the sender's
 * alert shape) and turned into a signal by `toSignal`; an empty notification is acknowledged and ignored.
 */
export function groupItems<A extends z.ZodType>(
  group: AlertGroup,
  schema: A,
  what: string,
  toSignal: (alert: z.infer<A>, index: number) => Signal | { ignored: string },
): ParseOutcome {
  if (group.alerts.length === 0) return { ignored: `the ${what} holds no alerts` };
  const items: BatchItem[] = group.alerts.map((raw, index) =>
    batchItem(`alerts.${index}`, () => toSignal(validate(schema, raw, `${what} alert`, ['alerts', index]), index)),
  );
  return { items, list: 'alerts' };
}
