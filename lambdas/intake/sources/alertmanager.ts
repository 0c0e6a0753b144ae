import { AlertGroup, alertSignal, groupItems, PrometheusAlert } from './prometheus-alerts';
import { type ParseContext, type ParseOutcome, type SourceParser, validate } from './source';

/**
 * Prometheus Alertmanager webhooks (payload version 4): one notification per alert group, each alert firing or
 * resolved (an alert without its own `status` takes the group's). Alerts are judged one by one: a malformed alert is
 * refused on its own and the others still count. An empty group is acknowledged and ignored. Authorised with
 * `Authorization: Bearer <secret>` (Alertmanager's `http_config.authorization`).
 */
export const alertmanagerParser: SourceParser = {
  source: 'alertmanager',
  auth: { kind: 'bearer' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const group = validate(AlertGroup, body, 'Alertmanager webhook');
    return groupItems(group, PrometheusAlert, 'Alertmanager notification', (alert, index) => {
      const signal = alertSignal({ source: 'alertmanager', group, alert, context, index });
      if ('ignored' in signal || !group.truncatedAlerts) return signal;
      return { ...signal, labels: { ...signal.labels, truncatedAlerts: String(group.truncatedAlerts) } };
    });
  },
};
