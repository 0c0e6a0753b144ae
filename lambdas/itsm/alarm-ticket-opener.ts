import { governanceConfig, serviceOf } from '../governance/governance-config';
import { logger } from '../shared/observability';
import { type AlarmTicketDeps, type AlarmTicketRule, ensureAlarmTicket } from './alarm-ticket';
import type { WriteBackDeps } from './write-back';

/** The governance routing rules for alarm tickets; none (and a log line) when the governance bundle is unreadable. */
function rules(): { rules: readonly AlarmTicketRule[]; domainOf: (service: string | undefined) => string | undefined } {
  try {
    const config = governanceConfig();
    return { rules: config.routing.alarmTickets, domainOf: (service) => serviceOf(config, service).domain };
  } catch (error) {
    logger.warn('alarm tickets disabled: governance configuration unreadable', { error: (error as Error).message });
    return { rules: [], domainOf: () => undefined };
  }
}

/**
 * The `openTicket` hook of the write-back for a step's handler: opens the ticket of an alarm-born incident, in the
 * ITSM tool the governance routing rules name, before the first write to it.
 */
export function alarmTicketOpener(
  deps: Omit<AlarmTicketDeps, 'rules' | 'domainOf'>,
): NonNullable<WriteBackDeps['openTicket']> {
  return (incident) => ensureAlarmTicket({ ...deps, ...rules() }, incident);
}
