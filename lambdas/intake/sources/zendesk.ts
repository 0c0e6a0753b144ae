import * as z from 'zod';
import type { Signal } from '../../core/incident';
import { priorityFromName } from '../../core/priority-matrix';
import {
  firstLine,
  IdLike,
  isoTime,
  names,
  type ParseContext,
  type ParseOutcome,
  plainText,
  type SourceParser,
  validate,
} from './source';

/** How long a Zendesk signature timestamp stays acceptable (replay protection). */
const toleranceSeconds = Number(process.env.LUMOS_ZENDESK_TOLERANCE_SECONDS) || 300;

const Text = z.string().nullish();

/** A ticket as the Tickets API (and Zendesk's EventBridge connector) shapes it; every field but `id` optional. */
const Ticket = z.looseObject({
  id: IdLike,
  url: Text,
  subject: Text,
  raw_subject: Text,
  description: Text,
  priority: Text,
  status: Text,
  type: Text,
  tags: z.array(z.string()).nullish(),
  created_at: Text,
  updated_at: Text,
  requester_id: IdLike.nullish(),
  submitter_id: IdLike.nullish(),
  assignee_id: IdLike.nullish(),
  group_id: IdLike.nullish(),
  organization_id: IdLike.nullish(),
  external_id: IdLike.nullish(),
  via: z.looseObject({ channel: z.unknown().optional() }).nullish(),
  /** Fields a trigger's custom JSON body commonly adds (`{{ticket.latest_comment}}`, `{{current_user.email}}`). */
  latest_comment: z.unknown().optional(),
  comment: z.unknown().optional(),
  current_user: z.unknown().optional(),
  updated_by: z.unknown().optional(),
});
type Ticket = z.infer<typeof Ticket>;

const TicketsApiBody = z.looseObject({ ticket: Ticket });

const Comment = z
  .looseObject({
    id: IdLike.nullish(),
    body: z.unknown().optional(),
    author: z.looseObject({ id: IdLike.nullish(), name: Text, email: Text }).nullish(),
    author_id: IdLike.nullish(),
  })
  .nullish();

/** Webhooks subscribed to Zendesk ticket events: `type: "zen:event-type:ticket.<event>"`. */
const EventSubscription = z.looseObject({
  type: z.string(),
  id: IdLike,
  time: Text,
  account_id: IdLike.nullish(),
  subject: Text,
  detail: Ticket.extend({ actor_id: IdLike.nullish() }),
  event: z
    .looseObject({ current: z.unknown().optional(), previous: z.unknown().optional(), comment: Comment })
    .nullish(),
});

/** Zendesk's EventBridge partner events: `detail-type: "Support Ticket: <Event>"`, `detail.ticket_event`. */
const PartnerEvent = z.looseObject({
  id: IdLike,
  'detail-type': z.string(),
  source: z.string(),
  time: Text,
  detail: z.looseObject({
    ticket_event: z.looseObject({
      type: Text,
      meta: z.looseObject({ occurred_at: Text, actor_id: IdLike.nullish() }).nullish(),
      previous: z.unknown().optional(),
      current: z.unknown().optional(),
      ticket: Ticket,
      comment: Comment,
    }),
  }),
});

const TERMINAL_STATUSES = new Set(['solved', 'closed', 'deleted']);
/** Event names (webhook suffix or EventBridge type, normalised) that end a ticket's life in Zendesk. */
const ENDING_EVENTS = new Set([
  'soft_deleted',
  'permanently_deleted',
  'marked_as_spam',
  'merged',
  'ticket_soft_deleted',
  'ticket_permanently_deleted',
  'ticket_marked_as_spam',
  'ticket_merged',
]);

const snake = (text: string) =>
  text
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/[^a-zA-Z0-9]+/g, '_')
    .toLowerCase();

const lower = (value: unknown) => (typeof value === 'string' ? value.trim().toLowerCase() : '');

function ticketLink(ticket: Ticket): string | undefined {
  const fromUrl = ticket.url ? /^https:\/\/([a-z0-9-]+)\.zendesk\.com\//i.exec(ticket.url)?.[1] : undefined;
  const subdomain = fromUrl ?? process.env.ZENDESK_SUBDOMAIN;
  return subdomain ? `https://${subdomain}.zendesk.com/agent/tickets/${encodeURIComponent(ticket.id)}` : undefined;
}

function commentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const { body, plain_body, value: text } = value as Record<string, unknown>;
    return plainText(plain_body ?? body ?? text);
  }
  return '';
}

function actorNames(value: unknown): string[] {
  if (value && typeof value === 'object') {
    const { id, email, name } = value as Record<string, unknown>;
    return names(id, email, name);
  }
  return names(value);
}

interface TicketSignalInput {
  ticket: Ticket;
  action: Signal['action'];
  deliveryId: string;
  occurredAt: string;
  event?: string;
  changedBy: string[];
  changeNote?: string;
  extraLabels?: Record<string, string>;
  /** The status the change moved the ticket to, when the event names it; else the ticket's own status. */
  status?: string;
}

/** Zendesk's `pending` status: the agent awaits the requester's reply. `hold` waits on a third party, not them. */
function waitingOn(status: string): Signal['waitingOn'] {
  if (!status) return undefined;
  return status === 'pending' ? 'customer' : 'none';
}

function ticketSignal(input: TicketSignalInput): Signal {
  const { ticket } = input;
  // A comment describes a new ticket that has no description of its own; on later changes it is only the note.
  const description = (ticket.description ?? '').trim() || (input.action === 'create' ? (input.changeNote ?? '') : '');
  const labels: Record<string, string> = { ...input.extraLabels };
  if (ticket.status) labels.status = ticket.status;
  if (ticket.priority) labels.zendeskPriority = ticket.priority;
  if (ticket.type) labels.ticketType = ticket.type;
  if (input.event) labels.zendeskEvent = input.event;
  if (ticket.tags?.length) labels.tags = ticket.tags.join(',');
  if (ticket.group_id) labels.groupId = ticket.group_id;
  const subject = ticket.subject ?? ticket.raw_subject ?? undefined;
  return {
    source: 'zendesk',
    kind: 'ticket',
    action: input.action,
    deliveryId: input.deliveryId,
    fingerprint: `zendesk:${ticket.id}`,
    externalId: ticket.id,
    externalUrl: ticketLink(ticket),
    title: firstLine(subject) ?? firstLine(description) ?? `Zendesk ticket #${ticket.id}`,
    description,
    service: undefined,
    serviceHints: names(ticket.tags ?? []),
    severity: { priority: priorityFromName(ticket.priority), label: lower(ticket.priority) || undefined },
    reporter: ticket.requester_id ?? ticket.submitter_id ?? undefined,
    occurredAt: input.occurredAt,
    labels,
    changedBy: input.changedBy,
    changeNote: input.changeNote || undefined,
    waitingOn: waitingOn(input.status || lower(ticket.status)),
  };
}

/** Status in `current` of a status-change event (`"SOLVED"`, `"solved"`, or `{status: ...}`). */
function currentStatus(current: unknown): string {
  if (current && typeof current === 'object') return lower((current as { status?: unknown }).status);
  return lower(current);
}

function fromTicketsApi(body: unknown, context: ParseContext): ParseOutcome {
  const { ticket } = validate(TicketsApiBody, body, 'Zendesk ticket');
  const status = lower(ticket.status);
  const created = !ticket.updated_at || ticket.updated_at === ticket.created_at;
  const action: Signal['action'] = TERMINAL_STATUSES.has(status) ? 'resolve' : created ? 'create' : 'update';
  return {
    signals: [
      ticketSignal({
        ticket,
        action,
        deliveryId: `zendesk:${ticket.id}:${ticket.updated_at ?? ticket.created_at ?? ''}:${status}:${lower(ticket.priority)}`,
        occurredAt: isoTime(ticket.updated_at ?? ticket.created_at, context.receivedAt),
        changedBy: [...actorNames(ticket.current_user), ...actorNames(ticket.updated_by)],
        changeNote: commentText(ticket.latest_comment ?? ticket.comment) || undefined,
      }),
    ],
  };
}

function actionFor(event: string, ticket: Ticket, current: unknown): Signal['action'] {
  if (ENDING_EVENTS.has(event)) return 'resolve';
  if (event === 'created' || event === 'ticket_created') return 'create';
  if (event.includes('status_changed') && TERMINAL_STATUSES.has(currentStatus(current))) return 'resolve';
  if (TERMINAL_STATUSES.has(lower(ticket.status))) return 'resolve';
  return 'update';
}

function fromEventSubscription(body: unknown, context: ParseContext): ParseOutcome {
  const type = (body as { type: string }).type;
  if (!type.startsWith('zen:event-type:ticket.')) return { ignored: `Zendesk event '${type}' is not a ticket event` };
  const event = validate(EventSubscription, body, 'Zendesk event');
  const name = snake(type.slice('zen:event-type:ticket.'.length));
  const comment = event.event?.comment;
  return {
    signals: [
      ticketSignal({
        ticket: event.detail,
        action: actionFor(name, event.detail, event.event?.current),
        deliveryId: `zendesk:event:${event.id}`,
        occurredAt: isoTime(event.time ?? event.detail.updated_at, context.receivedAt),
        event: name,
        status: name.includes('status_changed') ? currentStatus(event.event?.current) : undefined,
        changedBy: names(event.detail.actor_id, actorNames(comment?.author), comment?.author_id),
        changeNote: commentText(comment) || undefined,
        extraLabels: event.account_id ? { zendeskAccount: event.account_id } : undefined,
      }),
    ],
  };
}

/**
 * Zendesk webhooks: a ticket in the Tickets API shape (`{"ticket": {...}}`, as a trigger sends it) or a ticket
 * event subscription (`zen:event-type:ticket.*`). Solved, closed, deleted, spam and merged tickets resolve.
 * Signed with `X-Zendesk-Webhook-Signature` over timestamp + body; the timestamp must be fresh.
 */
export const zendeskWebhookParser: SourceParser = {
  source: 'zendesk',
  auth: { kind: 'zendesk', toleranceSeconds },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      if ('ticket' in body) return fromTicketsApi(body, context);
      if ('type' in body && typeof (body as { type: unknown }).type === 'string') {
        return fromEventSubscription(body, context);
      }
    }
    // Neither shape: let the Tickets API schema name what is missing.
    return fromTicketsApi(body, context);
  },
};

/** Zendesk's Events Connector for Amazon EventBridge (`source: aws.partner/zendesk.com/...`), via `/events`. */
export const zendeskEventParser: SourceParser = {
  source: 'zendesk',
  auth: { kind: 'none' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const event = validate(PartnerEvent, body, 'Zendesk EventBridge event');
    const detailType = event['detail-type'];
    if (!detailType.startsWith('Support Ticket')) {
      return { ignored: `Zendesk event '${detailType}' is not a ticket event` };
    }
    const ticketEvent = event.detail.ticket_event;
    const name = snake(ticketEvent.type ?? detailType.replace(/^Support Ticket:\s*/, ''));
    const comment = ticketEvent.comment;
    return {
      signals: [
        ticketSignal({
          ticket: ticketEvent.ticket,
          action: actionFor(name, ticketEvent.ticket, ticketEvent.current),
          deliveryId: `zendesk:eventbridge:${event.id}`,
          occurredAt: isoTime(ticketEvent.meta?.occurred_at ?? event.time, context.receivedAt),
          event: name,
          status: name.includes('status_changed') ? currentStatus(ticketEvent.current) : undefined,
          changedBy: names(ticketEvent.meta?.actor_id, actorNames(comment?.author), comment?.author_id),
          changeNote: commentText(comment) || undefined,
        }),
      ],
    };
  },
};
