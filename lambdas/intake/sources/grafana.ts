import * as z from 'zod';
import type { Signal } from '../../core/incident';
import { AlertGroup, alertSignal, groupItems, PrometheusAlert } from './prometheus-alerts';
import {
  firstLine,
  IdLike,
  isoTime,
  names,
  originOf,
  type ParseContext,
  type ParseOutcome,
  type SourceParser,
  StringRecord,
  validate,
} from './source';

const GrafanaAlert = PrometheusAlert.extend({
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  values: StringRecord.nullish(),
  valueString: z.string().nullish(),
});

/** Grafana alerting (unified alerting, Grafana 8+): the Alertmanager envelope plus title, state and message. */
const UnifiedWebhook = AlertGroup.extend({
  orgId: IdLike.nullish(),
  title: z.string().nullish(),
  state: z.string().nullish(),
  message: z.string().nullish(),
});

/** Legacy dashboard alerting (before Grafana 8): one rule per notification, `state: alerting | ok | ...`. */
const LegacyWebhook = z.looseObject({
  ruleId: IdLike.nullish(),
  ruleName: z.string().trim().min(1),
  ruleUrl: z.string().nullish(),
  state: z.string().trim().min(1),
  title: z.string().nullish(),
  message: z.string().nullish(),
  orgId: IdLike.nullish(),
  dashboardId: IdLike.nullish(),
  panelId: IdLike.nullish(),
  tags: StringRecord.nullish(),
  evalMatches: z.array(z.looseObject({ metric: z.string().nullish(), value: z.unknown().optional() })).nullish(),
});

const usableLink = (...links: (string | null | undefined)[]) => links.find((link) => originOf(link)) ?? undefined;

function fromLegacy(body: unknown, context: ParseContext): ParseOutcome {
  const hook = validate(LegacyWebhook, body, 'Grafana webhook');
  const state = hook.state.toLowerCase();
  if (state !== 'alerting' && state !== 'ok') return { ignored: `Grafana rule ${hook.ruleName} is ${hook.state}` };
  const identity = hook.ruleId ?? hook.ruleName;
  const matches = (hook.evalMatches ?? []).map((m) => `${m.metric ?? 'value'} = ${JSON.stringify(m.value)}`);
  const tags = hook.tags ?? {};
  const signal: Signal = {
    source: 'grafana',
    kind: 'alert',
    action: state === 'ok' ? 'resolve' : 'create',
    // Legacy payloads carry no event id or time: one alerting (and one ok) per rule until it changes state.
    deliveryId: `grafana:rule:${identity}:${state}:${hook.title ?? ''}:${matches.join('|')}`,
    fingerprint: `grafana:rule:${identity}`,
    externalId: hook.ruleName,
    externalUrl: usableLink(hook.ruleUrl),
    title: firstLine(hook.title ?? undefined) ?? hook.ruleName,
    description: [hook.message ?? '', matches.join('\n')].filter(Boolean).join('\n\n'),
    service: tags.service ?? tags.app,
    serviceHints: names(Object.values(tags)),
    severity: { label: tags.severity?.toLowerCase() },
    reporter: 'grafana',
    occurredAt: isoTime(undefined, context.receivedAt),
    labels: { ...tags, ruleName: hook.ruleName, state },
  };
  return { signals: [signal] };
}

/**
 * Grafana alerting webhooks: unified alerting (several alerts per notification, firing and resolved, with
 * evaluated values and panel links) and the legacy single-rule format. Authorised with a bearer token.
 */
export const grafanaParser: SourceParser = {
  source: 'grafana',
  auth: { kind: 'bearer' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    if (body && typeof body === 'object' && !Array.isArray(body) && !('alerts' in body) && 'ruleName' in body) {
      return fromLegacy(body, context);
    }
    const group = validate(UnifiedWebhook, body, 'Grafana webhook');
    return groupItems(group, GrafanaAlert, 'Grafana notification', (alert, index) => {
      const values =
        alert.valueString?.trim() ||
        Object.entries(alert.values ?? {})
          .map(([k, v]) => `${k} = ${v}`)
          .join(', ');
      return alertSignal({
        source: 'grafana',
        group,
        alert,
        context,
        index,
        details: values ? `Values: ${values}` : undefined,
        link: usableLink(alert.panelURL, alert.dashboardURL, alert.generatorURL),
      });
    });
  },
};
