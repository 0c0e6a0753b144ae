import type { Incident } from '../core/incident';
import { type Handler, incidentOutcome } from './incident-outcome';

/** The CloudWatch metric names Lumos publishes for outcomes; the dashboard and alarms read exactly these. */
export const OutcomeMetric = {
  TimeToAcknowledge: 'TimeToAcknowledge',
  TimeToFirstResponse: 'TimeToFirstResponse',
  TimeToResolve: 'TimeToResolve',
  ApprovalLatency: 'ApprovalLatency',
  IncidentsOpened: 'IncidentsOpened',
  IncidentsResolved: 'IncidentsResolved',
  Escalations: 'Escalations',
  Overrides: 'Overrides',
  Reopens: 'Reopens',
  SlaBreaches: 'SlaBreaches',
  OpenIncidents: 'OpenIncidents',
  PendingApprovals: 'PendingApprovals',
} as const;
export type OutcomeMetricName = (typeof OutcomeMetric)[keyof typeof OutcomeMetric];

/** The dimension that splits every attributed metric. */
export const HANDLED_BY_DIMENSION = 'HandledBy';

/** One value to publish: a metric, its unit, and (for attributed metrics) who handled it. */
export interface MetricPoint {
  name: OutcomeMetricName;
  unit: 'Seconds' | 'Count';
  value: number;
  handledBy?: Handler;
}

const within = (iso: string | undefined, from: number, to: number): iso is string => {
  if (!iso) return false;
  const t = Date.parse(iso);
  return t >= from && t < to;
};

/**
 * The points for events that happened in `[from, to)`: each acknowledgement, first response, resolution and
 * decided approval once, as the duration it took, in the interval it happened; counts of openings, resolutions,
 * escalations, overrides, reopens and SLA breaches; and the open and pending-approval backlog at `to`. Adjacent
 * windows never count an event twice, so summing the metric over any period gives that period's figure.
 */
export function metricPoints(incidents: readonly Incident[], window: { from: Date; to: Date }): MetricPoint[] {
  const from = window.from.getTime();
  const to = window.to.getTime();
  const points: MetricPoint[] = [];
  let open = 0;
  let pending = 0;
  let opened = 0;
  let breaches = 0;
  for (const incident of incidents) {
    const o = incidentOutcome(incident);
    if (Date.parse(o.createdAt) < to && o.open) open += 1;
    if (o.awaitingApproval) pending += 1;
    if (within(o.createdAt, from, to)) opened += 1;
    if (within(o.acknowledged?.at, from, to)) {
      points.push({
        name: 'TimeToAcknowledge',
        unit: 'Seconds',
        value: o.acknowledged!.seconds,
        handledBy: o.acknowledged!.by,
      });
    }
    if (within(o.firstResponse?.at, from, to)) {
      points.push({
        name: 'TimeToFirstResponse',
        unit: 'Seconds',
        value: o.firstResponse!.seconds,
        handledBy: o.firstResponse!.by,
      });
    }
    if (within(o.resolved?.at, from, to)) {
      points.push({ name: 'TimeToResolve', unit: 'Seconds', value: o.resolved!.seconds, handledBy: o.resolved!.by });
      points.push({ name: 'IncidentsResolved', unit: 'Count', value: 1, handledBy: o.resolved!.by });
    }
    if (within(o.approval?.decidedAt, from, to)) {
      points.push({
        name: 'ApprovalLatency',
        unit: 'Seconds',
        value: o.approval!.latencySeconds ?? 0,
        handledBy: 'human',
      });
    }
    if (within(o.escalated?.at, from, to)) {
      points.push({ name: 'Escalations', unit: 'Count', value: 1, handledBy: o.escalated!.by });
    }
    for (const override of o.overrides) {
      if (within(override.at, from, to))
        points.push({ name: 'Overrides', unit: 'Count', value: 1, handledBy: override.by });
    }
    if (within(o.reopenedAt, from, to)) {
      points.push({ name: 'Reopens', unit: 'Count', value: 1, handledBy: o.resolved?.by ?? 'ai' });
    }
    breaches += o.slaBreachTimes.filter((at) => within(at, from, to)).length;
  }
  points.push({ name: 'IncidentsOpened', unit: 'Count', value: opened });
  points.push({ name: 'SlaBreaches', unit: 'Count', value: breaches });
  points.push({ name: 'OpenIncidents', unit: 'Count', value: open });
  points.push({ name: 'PendingApprovals', unit: 'Count', value: pending });
  return points;
}
