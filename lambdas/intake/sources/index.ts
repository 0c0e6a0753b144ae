import { cloudwatchParser } from './cloudwatch';
import { servicenowParser } from './servicenow';
import type { SourceParser } from './source';

/** Webhook sources by the last segment of their route (`/webhooks/<name>`). */
export const webhookParsers: Readonly<Record<string, SourceParser>> = {
  servicenow: servicenowParser,
};

/** EventBridge event sources by the event's `source` field. */
export const eventParsers: Readonly<Record<string, SourceParser>> = {
  'aws.cloudwatch': cloudwatchParser,
};
