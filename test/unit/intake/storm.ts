import { handleDelivery, type IntakeResponse } from '../../../lambdas/intake/intake-request';
import type { IntakeDeps } from '../../../lambdas/intake/intake-service';
import { eventParserFor } from '../../../lambdas/intake/sources';
import { fixture } from './support';

/** One CloudWatch alarm event of a storm: distinct alarm `i` on the one service, in `state`. */
export function stormEvent(i: number, state: 'ALARM' | 'OK' = 'ALARM', service = 'checkout', second = 0): string {
  const template = fixture('cloudwatch/alarm.json');
  const at = new Date(Date.UTC(2026, 10, 20, 10, 0, second % 60)).toISOString().replace('Z', '+0000');
  return JSON.stringify({
    ...template,
    id: `storm-${service}-${state}-${i}`,
    resources: [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${service}-alarm-${i}`],
    detail: {
      ...template.detail,
      alarmName: `${service}-alarm-${i}`,
      state: { value: state, reason: `storm alarm ${i} ${state}`, timestamp: at },
      configuration: {
        description: `alarm ${i} of the ${service} storm`,
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: {
                namespace: 'Checkout',
                name: `Metric${i}`,
                dimensions: { ServiceName: service, Shard: `shard-${i}` },
              },
              period: 60,
              stat: 'Sum',
            },
          },
        ],
      },
    },
  });
}

export interface StormResult {
  answers: IntakeResponse[];
  failures: unknown[];
  incidents: Set<string>;
  millis: number;
}

/** Delivers `count` distinct alarms, each `copies` times, all at once, through the real event intake core. */
export async function deliverStorm(
  deps: IntakeDeps,
  count: number,
  options: { copies?: number; state?: 'ALARM' | 'OK'; service?: string } = {},
): Promise<StormResult> {
  const parser = eventParserFor('aws.cloudwatch');
  const bodies = Array.from({ length: count }, (_, i) => stormEvent(i, options.state, options.service, i));
  const deliveries = bodies.flatMap((body) => Array.from({ length: options.copies ?? 2 }, () => body));
  const started = performance.now();
  const settled = await Promise.allSettled(
    deliveries.map((body) =>
      handleDelivery(deps, parser, 'aws.cloudwatch', { body, header: () => undefined }, undefined, {
        channel: 'event',
      }),
    ),
  );
  const millis = performance.now() - started;
  const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  const incidents = new Set(answers.map((a) => a.incidentId).filter((id): id is string => Boolean(id)));
  return { answers, failures, incidents, millis };
}
