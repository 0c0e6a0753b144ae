import { agentResult } from '../agents/agent-results';
import type { Incident } from '../core/incident';
import type { GovernanceConfig } from '../governance/governance-config';
import type { AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { IncidentStore } from '../ports/incident-store';
import { ItsmUnavailableError } from './itsm-errors';
import { type Itsm, type OpenedTicket, type TicketRef, ticketRefOf } from './ticket';
import { idempotencyKeyOf } from './write-back';

/** A routing rule naming the ITSM tool an alarm-born incident's ticket goes to (governance `routing.alarmTickets`). */
export type AlarmTicketRule = GovernanceConfig['routing']['alarmTickets'][number];

export interface AlarmTicketDeps {
  store: IncidentStore;
  itsm: Itsm;
  clock: Clock;
  audit?: AuditTrail;
  rules: readonly AlarmTicketRule[];
  /** The governance domain of a service, for rules by domain. */
  domainOf?: (service: string | undefined) => string | undefined;
  /** @default 15 */
  leaseSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The first rule that fits the incident's service and domain (an empty list matches any). */
export function ruleFor(
  rules: readonly AlarmTicketRule[],
  service: string | undefined,
  domain: string | undefined,
): AlarmTicketRule | undefined {
  return rules.find(
    (r) =>
      (r.services.length === 0 || (!!service && r.services.includes(service))) &&
      (r.domains.length === 0 || (!!domain && r.domains.includes(domain))),
  );
}

/** What the ticket says: the alarm, its service and priority, and that Lumos is on it. Alarm text is data only. */
function describe(incident: Incident): string {
  return [
    `Opened by Lumos for ${incident.source} alarm ${incident.externalId} (incident ${incident.incidentId}).`,
    incident.service ? `Service: ${incident.service}.` : '',
    incident.description ? `Alarm: ${incident.description.slice(0, 2000)}` : '',
    'Lumos is investigating; its notes follow on this ticket.',
  ]
    .filter(Boolean)
    .join('\n\n');
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The ticket of an alarm-born incident, opened once: an incident that already has a ticket (its own, or one Lumos
 * opened) keeps it; otherwise the routing rule names the tool, the create is claimed in the idempotency ledger, a
 * retried attempt looks for the ticket by its key before opening one, and the ticket is recorded under
 * `agents.itsm.ticket`. Undefined when no rule applies or the tool has no connection.
 */
export async function ensureAlarmTicket(deps: AlarmTicketDeps, incident: Incident): Promise<TicketRef | undefined> {
  const known = ticketRefOf(incident);
  if (known || incident.kind !== 'alert') return known;
  const rule = ruleFor(deps.rules, incident.service, deps.domainOf?.(incident.service));
  if (!rule) return undefined;
  const connector = await deps.itsm.connector(rule.itsm);
  if (!connector) return undefined;

  const key = idempotencyKeyOf(incident.incidentId, 'open-ticket');
  const ledger = `itsm-create:${key}`;
  const leaseSeconds = deps.leaseSeconds ?? 15;
  let claim = await deps.store.claimDelivery(ledger, { now: deps.clock.now(), leaseSeconds });
  if (!claim.claimed && claim.record.state === 'pending') {
    const endsAt = Date.parse(claim.record.claimedAt) + leaseSeconds * 1000 + 50;
    await (deps.sleep ?? defaultSleep)(
      Math.max(0, Math.min(endsAt - deps.clock.now().getTime(), leaseSeconds * 1000 + 50)),
    );
    claim = await deps.store.claimDelivery(ledger, { now: deps.clock.now(), leaseSeconds });
  }
  if (!claim.claimed && claim.record.state === 'pending')
    throw new ItsmUnavailableError(`opening the ticket for ${incident.incidentId} is held by another attempt; retry`);
  // A claim that is done, or a retry after a failure: the ticket may exist already; look before opening one.
  const reconcile = !claim.claimed || claim.attempt > 1;
  const routedGroup = agentResult(incident, 'EscalationRouting')?.group;
  let receipt: Awaited<ReturnType<typeof connector.create>>;
  try {
    receipt = await connector.create(
      {
        title: incident.title,
        description: describe(incident),
        priority: incident.triage?.priority ?? incident.priority,
        idempotencyKey: key,
        ...(routedGroup ? { group: routedGroup } : {}),
        ...(rule.project ? { project: rule.project } : {}),
        ...(rule.issueType ? { issueType: rule.issueType } : {}),
      },
      { reconcile },
    );
  } catch (error) {
    if (claim.claimed)
      await deps.store
        .releaseDelivery(ledger, error instanceof Error ? `${error.name}: ${error.message}` : String(error))
        .catch(() => undefined);
    throw error;
  }
  if (claim.claimed) await deps.store.completeDelivery(ledger, { incidentId: incident.incidentId, status: 'created' });
  const ticket: OpenedTicket = {
    source: receipt.ticket.source,
    externalId: receipt.ticket.displayId,
    id: receipt.ticket.id,
    ...(receipt.ticket.url ? { url: receipt.ticket.url } : {}),
  };
  const current = (await deps.store.get(incident.incidentId)) ?? incident;
  const itsm = { ...((current.agents.itsm as Record<string, unknown> | undefined) ?? {}), ticket };
  const at = deps.clock.now().toISOString();
  const summary = `${receipt.existing ? 'Found' : 'Opened'} ${ticket.source} ticket ${ticket.externalId} for this alarm`;
  await deps.store.update(incident.incidentId, {
    agents: { itsm },
    append: [{ at, actor: 'itsm', type: 'itsm.ticket_opened', summary, data: { ...ticket, idempotencyKey: key } }],
  });
  await deps.audit?.append(incident.incidentId, {
    type: 'itsm.write',
    actor: 'agent:itsm',
    summary,
    data: { ...ticket, idempotencyKey: key, calls: receipt.calls.length, warnings: receipt.warnings },
  });
  incident.agents = { ...incident.agents, itsm };
  return receipt.ticket;
}
