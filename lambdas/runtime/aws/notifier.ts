/** Registers the notifier: the SNS topic `NOTIFICATIONS_TOPIC_ARN`. */
import { SnsNotifier } from '../../adapters/aws/sns-notifier';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  notifier: () => new SnsNotifier(env('NOTIFICATIONS_TOPIC_ARN')),
});
