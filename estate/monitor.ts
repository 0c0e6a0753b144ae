import { createHash, randomUUID } from 'node:crypto';
import type { ServiceStateView } from './service-state';

/**
 * The estate's monitoring: alert rules evaluated over each service's `/health` and `/admin/state`, with a `for`
 * (consecutive evaluations before firing) and the same before resolving, so a blip does not page and a flapping
 * service really flaps. Firing and resolved alerts go to Lumos as Alertmanager v4 webhooks (Bearer secret) or as
 * CloudWatch "Alarm State Change" EventBridge events, through the routes real senders use.
 */

/** One rule's verdict on one service at one evaluation. */
export interface RuleResult {
  rule: string;
  active: boolean;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  /** CloudWatch metric the alarm watches. */
  metric: { name: string; threshold: number; value: number; unit: string };
}

/** What the monitor saw of one service. */
export interface Observation {
  service: string;
  healthStatus: number;
  healthReason?: string;
  state: ServiceStateView;
}

const DAY_MS = 86_400_000;

/** The alert rules, pure: one result per rule (active or not) for a service observation. */
export function evaluateRules(observation: Observation, now: number): RuleResult[] {
  const { service, state } = observation;
  // Only its own crash loop: a dependent's reason quotes the upstream one after "dependency ...".
  const crashLooping = /^CrashLoopBackOff/.test(observation.healthReason ?? '');
  const daysLeft = (Date.parse(state.certificate.notAfter) - now) / DAY_MS;
  const connectionRatio = state.connections.used / Math.max(1, state.connections.max);
  return [
    {
      rule: crashLooping ? 'KubePodCrashLooping' : 'ServiceHealthCheckFailing',
      active: observation.healthStatus !== 200,
      severity: 'critical',
      summary: crashLooping ? `Pod of ${service} is crash looping` : `${service} health check failing`,
      description: `GET /health answered ${observation.healthStatus}: ${observation.healthReason ?? 'no reason given'}`,
      metric: {
        name: 'HealthCheckStatus',
        threshold: 1,
        value: observation.healthStatus === 200 ? 0 : 1,
        unit: 'Count',
      },
    },
    {
      rule: 'HighErrorRate',
      active: state.errorRate >= 0.05,
      severity: state.errorRate >= 0.25 ? 'critical' : 'warning',
      summary: `${service} 5xx error rate ${(state.errorRate * 100).toFixed(1)}%`,
      description: `HTTP 5xx responses are ${(state.errorRate * 100).toFixed(1)}% of requests (threshold 5%) on ${service} ${state.version}.`,
      metric: { name: 'HTTPCode_Target_5XX_Rate', threshold: 0.05, value: state.errorRate, unit: 'Percent' },
    },
    {
      rule: 'HighLatencyP95',
      active: state.p95LatencyMs >= 2000,
      severity: 'warning',
      summary: `${service} p95 latency ${state.p95LatencyMs} ms`,
      description: `p95 request latency is ${state.p95LatencyMs} ms (threshold 2000 ms).`,
      metric: { name: 'TargetResponseTimeP95', threshold: 2000, value: state.p95LatencyMs, unit: 'Milliseconds' },
    },
    {
      rule: 'DiskSpaceLow',
      active: state.disk.usedPercent >= 90,
      severity: state.disk.usedPercent >= 98 ? 'critical' : 'warning',
      summary: `${service} disk ${Math.round(state.disk.usedPercent)}% full`,
      description: `Disk used ${state.disk.usedPercent}% (threshold 90%).`,
      metric: { name: 'DiskSpaceUtilization', threshold: 90, value: state.disk.usedPercent, unit: 'Percent' },
    },
    {
      rule: 'MemoryHigh',
      active: state.memory.usedPercent >= 90,
      severity: 'warning',
      summary: `${service} memory ${Math.round(state.memory.usedPercent)}% used`,
      description: `Memory used ${state.memory.usedPercent}% (threshold 90%) and rising.`,
      metric: { name: 'MemoryUtilization', threshold: 90, value: state.memory.usedPercent, unit: 'Percent' },
    },
    {
      rule: 'ConnectionPoolSaturated',
      active: connectionRatio >= 0.95,
      severity: 'critical',
      summary: `${service} connection pool ${state.connections.used}/${state.connections.max}`,
      description: `Connections in use ${state.connections.used} of ${state.connections.max} (threshold 95%).`,
      metric: { name: 'DatabaseConnectionsUsedRatio', threshold: 0.95, value: connectionRatio, unit: 'None' },
    },
    {
      rule: 'CertificateExpiringSoon',
      active: daysLeft < 14,
      severity: daysLeft < 2 ? 'critical' : 'warning',
      summary: `${service} TLS certificate expires in ${Math.max(0, Math.floor(daysLeft))} days`,
      description: `The serving certificate of ${service} is valid until ${state.certificate.notAfter} (threshold 14 days).`,
      metric: { name: 'DaysToExpiry', threshold: 14, value: Math.floor(daysLeft), unit: 'Count' },
    },
  ];
}

/** Hysteresis over evaluations: fires after `forCycles` active results in a row, resolves after as many inactive. */
export class AlertTracker {
  private readonly streaks = new Map<
    string,
    { active: number; inactive: number; firing?: { since: string; result: RuleResult } }
  >();

  constructor(private readonly forCycles = 2) {}

  /**
   * Feeds one evaluation; returns the transitions it caused. A resolution repeats the alert as it fired (same
   * name, same labels), so the receiver can match it to the firing one.
   */
  update(
    service: string,
    results: readonly RuleResult[],
    at: Date,
  ): { status: 'firing' | 'resolved'; result: RuleResult; startsAt: string }[] {
    const transitions: { status: 'firing' | 'resolved'; result: RuleResult; startsAt: string }[] = [];
    // Rules that alternate names (crash loop vs health failing) share one streak key by position.
    results.forEach((result, index) => {
      const key = `${service}#${index}`;
      const streak = this.streaks.get(key) ?? { active: 0, inactive: 0 };
      if (result.active) {
        streak.active += 1;
        streak.inactive = 0;
      } else {
        streak.inactive += 1;
        streak.active = 0;
      }
      if (!streak.firing && streak.active >= this.forCycles) {
        streak.firing = { since: at.toISOString(), result };
        transitions.push({ status: 'firing', result, startsAt: streak.firing.since });
      } else if (streak.firing && streak.inactive >= this.forCycles) {
        transitions.push({
          status: 'resolved',
          result: {
            ...streak.firing.result,
            active: false,
            metric: { ...streak.firing.result.metric, value: result.metric.value },
          },
          startsAt: streak.firing.since,
        });
        streak.firing = undefined;
      }
      this.streaks.set(key, streak);
    });
    return transitions;
  }

  /** Services with an alert firing now. */
  firingServices(): string[] {
    return [...new Set([...this.streaks.entries()].filter(([, s]) => s.firing).map(([key]) => key.split('#')[0]!))];
  }

  /** Forgets everything (drills reset between scenarios after the estate is healthy again). */
  clear(): void {
    this.streaks.clear();
  }
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Alertmanager's fingerprint: a stable hash of the label set (16 hex digits). */
export function fingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** An Alertmanager v4 webhook body for one alert transition (one group per alertname and service). */
export function alertmanagerPayload(
  transition: { status: 'firing' | 'resolved'; result: RuleResult; startsAt: string },
  service: string,
  team: string,
  at: Date,
): Record<string, unknown> {
  const { result } = transition;
  const labels = { alertname: result.rule, service, severity: result.severity, namespace: 'shop', team };
  const annotations = {
    summary: result.summary,
    description: result.description,
    runbook_url: `https://wiki.example.com/runbooks/${service}`,
  };
  const groupLabels = { alertname: result.rule, service };
  return {
    receiver: 'lumos',
    status: transition.status,
    alerts: [
      {
        status: transition.status,
        labels,
        annotations,
        startsAt: transition.startsAt,
        endsAt: transition.status === 'resolved' ? at.toISOString() : ZERO_TIME,
        generatorURL: `http://prometheus.shop.svc:9090/graph?g0.expr=${encodeURIComponent(`${result.metric.name}{service="${service}"}`)}`,
        fingerprint: fingerprint(labels),
      },
    ],
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: 'http://alertmanager.shop.svc:9093',
    version: '4',
    groupKey: `{}:{alertname="${result.rule}", service="${service}"}`,
    truncatedAlerts: 0,
  };
}

/** The CloudWatch alarm name for a rule on a service. */
export const alarmName = (service: string, rule: string) => `${service}-${rule}`;

/** A CloudWatch "Alarm State Change" event, as EventBridge delivers it, for one alert transition. */
export function cloudWatchEvent(
  transition: { status: 'firing' | 'resolved'; result: RuleResult },
  service: string,
  at: Date,
  account = '123456789012',
  region = 'eu-central-1',
): Record<string, unknown> {
  const { result } = transition;
  const name = alarmName(service, result.rule);
  const value = transition.status === 'firing' ? 'ALARM' : 'OK';
  const previous = value === 'ALARM' ? 'OK' : 'ALARM';
  const crossed = transition.status === 'firing' ? 'was greater than or equal to' : 'was not greater than or equal to';
  const reason = `Threshold Crossed: 1 out of the last 1 datapoints [${result.metric.value} (${at.toISOString()})] ${crossed} the threshold (${result.metric.threshold}) (minimum 1 datapoint for ${previous} -> ${value} transition).`;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: at.toISOString().replace(/\.\d+Z$/, 'Z'),
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${name}`],
    detail: {
      alarmName: name,
      configuration: {
        description: `${result.summary}. ${result.description}`,
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'Shop/Estate', name: result.metric.name, dimensions: { ServiceName: service } },
              period: 60,
              stat: 'Average',
            },
            returnData: true,
          },
        ],
      },
      previousState: { value: previous, timestamp: at.toISOString() },
      state: {
        value,
        reason,
        reasonData: JSON.stringify({
          version: '1.0',
          queryDate: at.toISOString(),
          statistic: 'Average',
          period: 60,
          recentDatapoints: [result.metric.value],
          threshold: result.metric.threshold,
        }),
        timestamp: at.toISOString(),
      },
    },
  };
}
