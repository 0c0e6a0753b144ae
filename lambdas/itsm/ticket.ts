import type { Incident, Priority, Source } from '../core/incident';

/** The ITSM tools Lumos writes back to. Alerting sources (PagerDuty, Alertmanager, ...) have no ticket to write. */
export const ITSM_SOURCES = ['servicenow', 'jira', 'zendesk'] as const;
export type ItsmSource = (typeof ITSM_SOURCES)[number];

export const isItsmSource = (source: Source | string): source is ItsmSource =>
  (ITSM_SOURCES as readonly string[]).includes(source);

/** The ticket an incident came from, addressed the way the vendor's API addresses it. */
export interface TicketRef {
  source: ItsmSource;
  /** The id in API paths: ServiceNow `sys_id`, Jira issue key, Zendesk ticket id. */
  id: string;
  /** What people call it: `INC0010001`, `OPS-42`, `4711`. */
  displayId: string;
  url?: string;
}

/** Vendor-neutral ticket states Lumos sets; each connector maps them onto its own workflow. */
export type TicketState = 'in_progress' | 'on_hold' | 'resolved';

/** A person as the ITSM tools know them; ids per tool where the roster has them, else looked up by e-mail. */
export interface TicketPerson {
  name: string;
  email?: string;
  /** ServiceNow `sys_user.user_name`, Jira `accountId`, Zendesk user id. */
  ids?: Partial<Record<ItsmSource, string>>;
}

/** What one write changes on a ticket. Every field is optional; an empty update is never sent. */
export interface TicketUpdate {
  /** Internal note for the agents (ServiceNow work_notes, Jira internal comment, Zendesk private comment). */
  workNote?: string;
  /** Reply the requester sees (ServiceNow comments, Jira public comment, Zendesk public comment). */
  reply?: string;
  state?: TicketState;
  priority?: Priority;
  /** The group (by name, as in Lumos' routing) and optionally the person who takes the ticket. */
  assignment?: { group?: string; assignee?: TicketPerson };
  /** With `state: 'resolved'`: how it was resolved. */
  resolution?: { code?: string; notes: string };
}

/** One write: an update to one ticket under an idempotency key that every attempt of the same write shares. */
export interface TicketWrite {
  ticket: TicketRef;
  update: TicketUpdate;
  /** Carried inside each note, so a retry can see on the ticket what an earlier attempt already posted. */
  idempotencyKey: string;
}

/** One HTTP call a connector made, for the incident's record and the local outbox. */
export interface VendorCall {
  method: string;
  /** Path and query, without the host. */
  path: string;
  status: number;
  attempt: number;
  durationMs: number;
}

/** What a connector did for one write. */
export interface WriteReceipt {
  source: ItsmSource;
  ticketId: string;
  calls: VendorCall[];
  /** Notes an earlier attempt had already posted (found on the ticket), so this attempt did not post them again. */
  alreadyPosted: string[];
  /** Things the vendor would not do, without failing the write (no transition to the state, unknown group). */
  warnings: string[];
}

export interface ApplyOptions {
  /**
   * Set on a retried write: before posting anything the connector checks the ticket for notes carrying the key and
   * skips what is already there.
   */
  reconcile: boolean;
}

/** A ticket Lumos opens for an incident that has none (an alarm-born incident). */
export interface TicketDraft {
  title: string;
  description: string;
  priority: Priority;
  /** Carried on the ticket (ServiceNow correlation_id, a Jira label, Zendesk external_id) so a retry finds it. */
  idempotencyKey: string;
  /** The assignment group by name, when routing decided one. */
  group?: string;
  /** Jira: the project key the ticket goes to. */
  project?: string;
  /** Jira: the issue type. @default 'Task' */
  issueType?: string;
}

/** What a create did: the ticket, and whether an earlier attempt had created it already. */
export interface CreateReceipt {
  ticket: TicketRef;
  calls: VendorCall[];
  /** Found on the ticketing system by its idempotency key: an earlier attempt created it. */
  existing: boolean;
  warnings: string[];
}

/** One vendor's ticket API. Implementations translate a {@link TicketUpdate} into that vendor's documented calls. */
export interface ItsmConnector {
  readonly source: ItsmSource;
  apply(write: TicketWrite, options: ApplyOptions): Promise<WriteReceipt>;
  /**
   * Opens a ticket, once: with `reconcile` (a retried create) it first looks for a ticket carrying the draft's
   * idempotency key and returns that one instead of opening a second.
   */
  create(draft: TicketDraft, options: ApplyOptions): Promise<CreateReceipt>;
}

/**
 * The `itsm` port: the connector for a source, or undefined when this deployment has no connection to it (or the
 * source is not an ITSM tool). Async because connections come from a secret.
 */
export interface Itsm {
  connector(source: Source): Promise<ItsmConnector | undefined>;
}

/**
 * The ticket an incident belongs to, or undefined when it did not come from an ITSM tool. ServiceNow's API wants
 * the `sys_id`, which intake keeps in the fingerprint (`servicenow:<sys_id>`); Jira and Zendesk take the external id.
 */
export function ticketRefOf(
  incident: Pick<Incident, 'source' | 'externalId' | 'externalUrl' | 'fingerprint'> & Partial<Pick<Incident, 'agents'>>,
): TicketRef | undefined {
  if (!isItsmSource(incident.source)) return openedTicketOf(incident);
  const base = {
    source: incident.source,
    displayId: incident.externalId,
    ...(incident.externalUrl ? { url: incident.externalUrl } : {}),
  };
  if (incident.source === 'servicenow') {
    const sysId = incident.fingerprint.startsWith('servicenow:')
      ? incident.fingerprint.slice('servicenow:'.length)
      : '';
    return sysId ? { ...base, id: sysId } : undefined;
  }
  return { ...base, id: incident.externalId };
}

/** `agents.itsm.ticket`: the ticket Lumos opened for an incident that came without one (the outcome contract). */
export interface OpenedTicket {
  source: ItsmSource;
  /** What people call it (number, key, id). */
  externalId: string;
  /** The id API paths take (ServiceNow sys_id; else the same as externalId). */
  id: string;
  url?: string;
}

/** The ticket Lumos opened for the incident, as a reference the connectors take. */
export function openedTicketOf(incident: Partial<Pick<Incident, 'agents'>>): TicketRef | undefined {
  const opened = (incident.agents?.itsm as { ticket?: OpenedTicket } | undefined)?.ticket;
  if (!opened || !isItsmSource(opened.source)) return undefined;
  return {
    source: opened.source,
    id: opened.id,
    displayId: opened.externalId,
    ...(opened.url ? { url: opened.url } : {}),
  };
}

/** Whether an update would change anything at all. */
export const isEmptyUpdate = (update: TicketUpdate): boolean =>
  !update.workNote &&
  !update.reply &&
  !update.state &&
  !update.priority &&
  !update.assignment?.group &&
  !update.assignment?.assignee;
