import { SnsNotifier } from '../../adapters/aws/sns-notifier';
import type { Notifier } from '../../ports/notifier';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Notifications to people, through the SNS topic `NOTIFICATIONS_TOPIC_ARN` (an outbox locally). */
export const notifier = definePort<Notifier>(
  'notifier',
  { access: ['publishNotifications'], env: ['NOTIFICATIONS_TOPIC_ARN'] },
  () => new SnsNotifier(env('NOTIFICATIONS_TOPIC_ARN')),
);
