import { EventBridgeScheduler } from '../../adapters/aws/scheduler-timers';
import type { Scheduler } from '../../ports/scheduler';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/**
 * One-time governance timers: EventBridge Scheduler schedules in `SCHEDULE_GROUP_NAME` that invoke
 * `GOVERNANCE_TIMER_FUNCTION_ARN` as `SCHEDULER_ROLE_ARN`. The timer function itself is not given its own ARN (a
 * cycle); it learns it from its invocation context.
 */
export const scheduler = definePort<Scheduler>(
  'scheduler',
  { access: ['manageTimers'], env: ['SCHEDULE_GROUP_NAME', 'SCHEDULER_ROLE_ARN'] },
  () =>
    new EventBridgeScheduler({
      groupName: env('SCHEDULE_GROUP_NAME'),
      targetArn: env('GOVERNANCE_TIMER_FUNCTION_ARN'),
      roleArn: env('SCHEDULER_ROLE_ARN'),
      deadLetterArn: process.env.SCHEDULER_DEAD_LETTER_ARN,
    }),
);
