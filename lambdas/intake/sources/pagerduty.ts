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

const Reference = z
  .looseObject({
    id: IdLike.nullish(),
    type: z.string().nullish(),
    summary: z.string().nullish(),
    html_url: z.string().nullish(),
    email: z.string().nullish(),
    name: z.string().nullish(),
  })
  .nullish();

const EventData = z.looseObject({
  id: IdLike.nullish(),
  type: z.string().nullish(),
  html_url: z.string().nullish(),
  number: z.number().nullish(),
  status: z.string().nullish(),
  incident_key: z.string().nullish(),
  title: z.string().nullish(),
  description: z.string().nullish(),
  created_at: z.string().nullish(),
  service: Reference,
  escalation_policy: Reference,
  teams: z.array(Reference).nullish(),
  assignees: z.array(Reference).nullish(),
  priority: Reference,
  urgency: z.string().nullish(),
  resolve_reason: z.unknown().optional(),
  /** `incident_note`, `incident_status_update`, `incident_responder`, ...: the incident they belong to. */
  incident: Reference,
  content: z.string().nullish(),
  message: z.string().nullish(),
});

const Webhook = z.looseObject({
  event: z.looseObject({
    id: IdLike,
    event_type: z.string().trim().min(1),
    resource_type: z.string().nullish(),
    occurred_at: z.string().nullish(),
    agent: Reference,
    client: z.looseObject({ name: z.string().nullish() }).nullish(),
    data: EventData,
  }),
});

/** Events that open an incident, and those that end one; every other `incident.*` event is an update. */
const OPENING = new Set(['incident.triggered', 'incident.reopened']);
const CLOSING = new Set(['incident.resolved']);

/**
 * PagerDuty V3 webhooks (`incident.triggered`, `acknowledged`, `unacknowledged`, `escalated`, `reassigned`,
 * `delegated`, `priority_updated`, `annotated`, `responder.*`, `status_update_published`, `resolved`,
 * `reopened`, ...). Priority from the incident's priority (`P1`, `SEV-2`, ...), else from its urgency.
 * Signed with `X-PagerDuty-Signature: v1=...`, several during secret rotation.
 */
export const pagerdutyParser: SourceParser = {
  source: 'pagerduty',
  auth: { kind: 'pagerduty' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const { event } = validate(Webhook, body, 'PagerDuty webhook');
    const type = event.event_type;
    if (!type.startsWith('incident.')) return { ignored: `PagerDuty event '${type}' is not about an incident` };
    const { data } = event;
    const isIncident = (data.type ?? 'incident') === 'incident' && Boolean(data.id);
    const incidentId = isIncident ? data.id : data.incident?.id;
    if (!incidentId) return { ignored: `PagerDuty ${type} names no incident` };

    const note = plainText(data.content ?? data.message ?? '').trim();
    const title =
      firstLine(data.title ?? undefined) ??
      firstLine(data.incident?.summary ?? undefined) ??
      `PagerDuty incident ${incidentId}`;
    const priorityName = data.priority?.summary ?? data.priority?.name ?? undefined;
    const urgency = data.urgency?.toLowerCase();
    const labels: Record<string, string> = { pagerdutyEvent: type };
    if (data.status) labels.status = data.status;
    if (urgency) labels.urgency = urgency;
    if (priorityName) labels.pagerdutyPriority = priorityName;
    if (typeof data.number === 'number') labels.number = String(data.number);
    if (data.escalation_policy?.summary) labels.escalationPolicy = data.escalation_policy.summary;
    const assignees = names((data.assignees ?? []).map((a) => a?.summary));
    if (assignees.length) labels.assignees = assignees.join(',');

    const action: Signal['action'] = OPENING.has(type) ? 'create' : CLOSING.has(type) ? 'resolve' : 'update';
    const signal: Signal = {
      source: 'pagerduty',
      kind: 'alert',
      action,
      deliveryId: `pagerduty:${event.id}`,
      fingerprint: `pagerduty:${incidentId}`,
      externalId: incidentId,
      externalUrl: data.html_url ?? data.incident?.html_url ?? undefined,
      title,
      // A note or status update is news about the incident, not its description: it travels as the change note.
      description: isIncident ? (data.description ?? '') : '',
      service: data.service?.summary ?? undefined,
      serviceHints: names(
        data.service?.id,
        (data.teams ?? []).map((t) => t?.summary),
        data.escalation_policy?.summary,
      ),
      severity: { priority: priorityFromName(priorityName), label: urgency },
      reporter: event.agent?.summary ?? event.client?.name ?? 'pagerduty',
      occurredAt: isoTime(event.occurred_at ?? data.created_at, context.receivedAt),
      labels,
      changedBy: names(event.agent?.id, event.agent?.summary, event.agent?.email, event.client?.name),
      changeNote: note || undefined,
    };
    return { signals: [signal] };
  },
};
