import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { observed } from '../../runtime/observed';
import { notifier } from '../../runtime/ports/notifier';
import { taskCallbacks } from '../../runtime/ports/task-callbacks';
import { BadRequestError } from '../../shared/errors';
import { logger } from '../../shared/observability';
import { approvalDeadlines } from '../../workflow/deadlines';
import { tick } from '../approvals/approval-service';
import { linkKeys } from '../approvals/link-keys';
import { governanceConfig } from '../governance-config';
import { gatePorts, withPorts } from '../governance-deps';
import { checkSla } from '../sla/sla-clock';
import { slaDeps } from '../sla/sla-deps';

const TimerEvent = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('sla-check'),
    incidentId: z.string().min(1),
    clock: z.enum(['resolve', 'no-progress']),
  }),
  z.looseObject({ kind: z.literal('approval-tick'), approvalId: z.string().min(1) }),
]);

/**
 * Target of every governance timer (EventBridge Scheduler in AWS, the timer table locally): SLA checks and the
 * approval timer (heartbeat, reminder, fallback, expiry).
 */
export const handler = observed<unknown, { result: string }>().handler(async (event: unknown, context: Context) => {
  // Timers this function sets for itself point at its own ARN; Lambda tells it what that is.
  if (!process.env.GOVERNANCE_TIMER_FUNCTION_ARN && context?.invokedFunctionArn?.startsWith('arn:aws')) {
    process.env.GOVERNANCE_TIMER_FUNCTION_ARN = context.invokedFunctionArn.split(':').slice(0, 7).join(':');
  }
  const parsed = TimerEvent.safeParse(event);
  if (!parsed.success) throw new BadRequestError(`not a governance timer event: ${parsed.error.issues[0]?.message}`);
  const timer = parsed.data;
  if (timer.kind === 'sla-check') {
    logger.appendKeys({ incidentId: timer.incidentId });
    const result = await checkSla(slaDeps(), timer.incidentId, timer.clock);
    logger.info('sla check', { incidentId: timer.incidentId, clock: timer.clock, result });
    return { result };
  }
  const deps = withPorts(Object.assign(gatePorts(), { linkKeys }), { notifier, workflow: taskCallbacks });
  const request = await deps.approvals.get(timer.approvalId);
  const deadlines = approvalDeadlines(governanceConfig())[
    (request?.riskTier === 'high' ? 'high' : 'medium') as 'medium' | 'high'
  ];
  const outcome = await tick(deps, timer.approvalId, {
    heartbeatSeconds: deadlines.heartbeatSeconds,
    reminderBeforeSeconds: deadlines.reminderBeforeSeconds,
  });
  logger.info('approval tick', { approvalId: timer.approvalId, ...outcome });
  return { result: outcome.action };
});
