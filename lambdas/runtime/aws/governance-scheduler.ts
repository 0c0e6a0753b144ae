/**
 * Registers the scheduler: one-time EventBridge Scheduler timers in `SCHEDULE_GROUP_NAME` that invoke
 * `GOVERNANCE_TIMER_FUNCTION_ARN` as `SCHEDULER_ROLE_ARN` (dead letters to `SCHEDULER_DEAD_LETTER_ARN` if set).
 */
import { EventBridgeScheduler } from '../../adapters/aws/scheduler-timers';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  scheduler: () =>
    new EventBridgeScheduler({
      groupName: env('SCHEDULE_GROUP_NAME'),
      targetArn: env('GOVERNANCE_TIMER_FUNCTION_ARN'),
      roleArn: env('SCHEDULER_ROLE_ARN'),
      deadLetterArn: process.env.SCHEDULER_DEAD_LETTER_ARN,
    }),
});
