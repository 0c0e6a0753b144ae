import { AlertGroup, alertSignal } from './prometheus-alerts';
import { type ParseContext, type ParseOutcome, type SourceParser, validate } from './source';

/**
 * Prometheus Alertmanager webhooks (payload version 4): one notification per alert group, each alert firing or
 * resolved. An empty group is acknowledged and ignored. Authorised with `Authorization: Bearer <secret>`
 * (Alertmanager's `http_config.authorization`).
 */
export const alertmanagerParser: SourceParser = {
  source: 'alertmanager',
  auth: { kind: 'bearer' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const group = validate(AlertGroup, body, 'Alertmanager webhook');
    if (group.alerts.length === 0) return { ignored: 'the Alertmanager notification holds no alerts' };
    const signals = group.alerts.flatMap(
      (alert) => alertSignal({ source: 'alertmanager', group, alert, context }) ?? [],
    );
    if (signals.length === 0) return { ignored: 'no alert in the notification is firing or resolved' };
    if (group.truncatedAlerts) {
      for (const signal of signals) signal.labels.truncatedAlerts = String(group.truncatedAlerts);
    }
    return { signals };
  },
};
