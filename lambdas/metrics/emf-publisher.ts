import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { HANDLED_BY_DIMENSION, type MetricPoint } from './metric-points';

/** The Powertools `service` dimension of outcome metrics; the dashboard and alarms filter on it. */
export const OUTCOME_METRICS_SERVICE = 'lumos';

/** Builds a Powertools Metrics instance whose every flush carries `defaultDimensions`. */
export type MetricsFactory = (defaultDimensions: Record<string, string>) => Metrics;

/** Namespace from `POWERTOOLS_METRICS_NAMESPACE` (the stack sets `Lumos/<stage>`), service `lumos`. */
export const powertoolsMetrics: MetricsFactory = (defaultDimensions) =>
  new Metrics({ serviceName: OUTCOME_METRICS_SERVICE, defaultDimensions });

/**
 * Writes the points as CloudWatch embedded metric format through Powertools Metrics, one instance per `HandledBy`
 * value so the dimension survives Powertools' own flushes (it flushes by itself at 100 values of one metric and
 * clears per-flush dimensions then). CloudWatch extracts the metrics from the function's log stream; nothing calls
 * PutMetricData. Returns how many points were written.
 */
export function publishMetricPoints(
  points: readonly MetricPoint[],
  factory: MetricsFactory = powertoolsMetrics,
): number {
  const groups = new Map<string, MetricPoint[]>();
  for (const point of points) {
    const key = point.handledBy ?? '';
    groups.set(key, [...(groups.get(key) ?? []), point]);
  }
  for (const [handledBy, group] of groups) {
    const metrics = factory(handledBy ? { [HANDLED_BY_DIMENSION]: handledBy } : {});
    for (const point of group) {
      metrics.addMetric(point.name, point.unit === 'Seconds' ? MetricUnit.Seconds : MetricUnit.Count, point.value);
    }
    metrics.publishStoredMetrics();
  }
  return points.length;
}
