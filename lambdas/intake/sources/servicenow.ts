import * as z from 'zod';
import type { Priority, Signal } from '../../core/incident';
import {
  firstLine,
  names,
  type ParseContext,
  type ParseOutcome,
  plainText,
  type SourceParser,
  validate,
} from './source';

/** Reference fields arrive as plain strings or as `{link, value}` (plus `display_value` with sysparm_display_value). */
const Reference = z.union([
  z.string(),
  z.object({ value: z.string().optional(), display_value: z.string().optional(), link: z.string().optional() }),
  z.null(),
]);
type Reference = z.infer<typeof Reference>;

const ScaleValue = z.union([z.string(), z.number()]).optional();

const ServiceNowIncident = z.looseObject({
  sys_id: z.string().min(1, 'sys_id must not be empty'),
  number: z.string().optional(),
  short_description: z.string().optional(),
  description: z.string().optional(),
  impact: ScaleValue,
  urgency: ScaleValue,
  priority: ScaleValue,
  state: ScaleValue,
  incident_state: ScaleValue,
  /** The On hold reason choice (1 Awaiting Caller, 2 Change, 3 Problem, 4 Vendor), as value or display text. */
  hold_reason: z.union([z.string(), z.number(), z.null()]).optional(),
  category: z.string().optional(),
  subcategory: z.string().optional(),
  sys_mod_count: ScaleValue,
  sys_updated_on: z.string().optional(),
  sys_created_on: z.string().optional(),
  sys_updated_by: z.string().optional(),
  opened_at: z.string().optional(),
  cmdb_ci: Reference.optional(),
  business_service: Reference.optional(),
  caller_id: Reference.optional(),
  opened_by: Reference.optional(),
  assignment_group: Reference.optional(),
  /** Journal fields as a Business Rule / Flow sends them: the latest work note or comment, if included. */
  work_notes: z.unknown().optional(),
  comments: z.unknown().optional(),
});

const refText = (ref: Reference | undefined): string | undefined => {
  if (!ref) return undefined;
  if (typeof ref === 'string') return ref.trim() || undefined;
  return (ref.display_value ?? ref.value)?.trim() || undefined;
};

const scale = (value: string | number | undefined, max: number): number | undefined => {
  const n = typeof value === 'number' ? value : Number.parseInt(value ?? '', 10);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
};

/** ServiceNow incident states 6 (Resolved), 7 (Closed) and 8 (Canceled) end an incident. */
const TERMINAL_STATES = new Set([6, 7, 8]);

/** Incident state 3 is On Hold; with hold reason 1 (Awaiting Caller) the incident waits on the customer. */
const ON_HOLD = 3;
function waitingOn(state: number | undefined, holdReason: string | number | null | undefined): Signal['waitingOn'] {
  if (state === undefined) return undefined;
  const reason = String(holdReason ?? '')
    .trim()
    .toLowerCase();
  return state === ON_HOLD && (reason === '1' || reason === 'awaiting caller') ? 'customer' : 'none';
}

/** ServiceNow `YYYY-MM-DD HH:mm:ss` is UTC in the Table API; anything unparseable falls back to receipt time. */
function snowTime(value: string | undefined, fallback: Date): string {
  if (!value) return fallback.toISOString();
  const parsed = Date.parse(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
  return Number.isNaN(parsed) ? fallback.toISOString() : new Date(parsed).toISOString();
}

/**
 * ServiceNow Table API incident records (from a Business Rule / Flow REST step), bare or wrapped in `result`.
 * Base URL for links back comes from `SERVICENOW_INSTANCE_URL` when the deployment sets it.
 */
export const servicenowParser: SourceParser = {
  source: 'servicenow',
  auth: { kind: 'hmac-sha256-hex', header: 'x-lumos-signature' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const unwrapped =
      body && typeof body === 'object' && !Array.isArray(body) && 'result' in body
        ? (body as { result: unknown }).result
        : body;
    const record = validate(ServiceNowIncident, unwrapped, 'ServiceNow incident');
    const number = record.number?.trim() || record.sys_id;
    const state = scale(record.state ?? record.incident_state, 8);
    const modCount = scale(record.sys_mod_count, Number.MAX_SAFE_INTEGER) ?? 0;
    const priority = scale(record.priority, 5);
    const instance = process.env.SERVICENOW_INSTANCE_URL?.replace(/\/$/, '');
    const title =
      firstLine(record.short_description) ?? firstLine(record.description) ?? `ServiceNow incident ${number}`;
    const labels: Record<string, string> = {};
    if (record.category) labels.category = record.category;
    if (record.subcategory) labels.subcategory = record.subcategory;
    const group = refText(record.assignment_group);
    if (group) labels.assignmentGroup = group;
    if (state) labels.state = String(state);

    const signal: Signal = {
      source: 'servicenow',
      kind: 'ticket',
      action: state && TERMINAL_STATES.has(state) ? 'resolve' : modCount > 0 ? 'update' : 'create',
      deliveryId: `servicenow:${record.sys_id}:${modCount}:${record.sys_updated_on ?? ''}`,
      fingerprint: `servicenow:${record.sys_id}`,
      externalId: number,
      externalUrl: instance
        ? `${instance}/nav_to.do?uri=incident.do?sys_id=${encodeURIComponent(record.sys_id)}`
        : undefined,
      title,
      description: record.description ?? '',
      service: refText(record.cmdb_ci) ?? refText(record.business_service),
      serviceHints: names(refText(record.cmdb_ci), refText(record.business_service)),
      severity: {
        impact: scale(record.impact, 3),
        urgency: scale(record.urgency, 3),
        priority: priority ? (`P${priority}` as Priority) : undefined,
      },
      reporter: refText(record.caller_id) ?? refText(record.opened_by),
      occurredAt: snowTime(record.sys_updated_on ?? record.opened_at ?? record.sys_created_on, context.receivedAt),
      labels,
      changedBy: names(record.sys_updated_by),
      waitingOn: waitingOn(state, record.hold_reason),
      changeNote: [record.work_notes, record.comments].map((note) => plainText(note).trim()).find(Boolean),
    };
    return { signals: [signal] };
  },
};
