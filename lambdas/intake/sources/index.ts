import { alertmanagerParser } from './alertmanager';
import { cloudwatchParser } from './cloudwatch';
import { genericParser } from './generic';
import { grafanaParser } from './grafana';
import { jiraParser } from './jira';
import { pagerdutyParser } from './pagerduty';
import { servicenowParser } from './servicenow';
import type { SourceParser } from './source';
import { zendeskEventParser, zendeskWebhookParser } from './zendesk';

/** Webhook sources by the last segment of their route (`/webhooks/<name>`). */
export const webhookParsers: Readonly<Record<string, SourceParser>> = {
  servicenow: servicenowParser,
  jira: jiraParser,
  zendesk: zendeskWebhookParser,
  pagerduty: pagerdutyParser,
  alertmanager: alertmanagerParser,
  grafana: grafanaParser,
  generic: genericParser,
};

/** EventBridge event sources by the event's `source` field. */
export const eventParsers: Readonly<Record<string, SourceParser>> = {
  'aws.cloudwatch': cloudwatchParser,
  'aws.monitoring': cloudwatchParser,
};

/** Partner event sources carry the partner's account in the name (`aws.partner/zendesk.com/<id>/default`). */
const eventParserPrefixes: readonly [string, SourceParser][] = [['aws.partner/zendesk.com/', zendeskEventParser]];

/** The parser for an EventBridge event `source`, exact names first, then partner prefixes. */
export function eventParserFor(source: unknown): SourceParser | undefined {
  if (typeof source !== 'string') return undefined;
  if (Object.hasOwn(eventParsers, source)) return eventParsers[source];
  return eventParserPrefixes.find(([prefix]) => source.startsWith(prefix))?.[1];
}

/** The parser for a webhook route name (own keys only: `/webhooks/constructor` is no route). */
export function webhookParserFor(route: string): SourceParser | undefined {
  return Object.hasOwn(webhookParsers, route) ? webhookParsers[route] : undefined;
}
