import * as z from 'zod';
import { IncidentFacts } from './incident-facts';
import { LabelMap } from './label-map';

/** ITIL priority, P1 (critical) to P5 (planning). */
export const Priority = z.enum(['P1', 'P2', 'P3', 'P4', 'P5']);
export type Priority = z.infer<typeof Priority>;

/** Every system that can raise or update an incident. */
export const Source = z.enum([
  'servicenow',
  'jira',
  'zendesk',
  'pagerduty',
  'alertmanager',
  'grafana',
  'cloudwatch',
  'generic',
]);
export type Source = z.infer<typeof Source>;

/** Tickets are written by people; alerts by machines. Agents treat their text differently. */
export const SignalKind = z.enum(['ticket', 'alert']);
export type SignalKind = z.infer<typeof SignalKind>;

export const IncidentStatus = z.enum([
  'new',
  'triaging',
  'triaged',
  'awaiting_approval',
  'in_progress',
  'escalated',
  'needs_human',
  'resolved',
  'closed',
]);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

/**
 * What the source itself said about urgency, kept verbatim so triage can explain how it mapped it.
 * Impact and urgency use the ITIL 1 (high) .. 3 (low) scale.
 */
export const SourceSeverity = z.object({
  impact: z.number().int().min(1).max(3).optional(),
  urgency: z.number().int().min(1).max(3).optional(),
  /** The source's own priority, already mapped onto P1..P5 where the source has such a notion. */
  priority: Priority.optional(),
  /** Free-form severity label (alarm state, `critical`, `warning`, ...). */
  label: z.string().optional(),
});
export type SourceSeverity = z.infer<typeof SourceSeverity>;

/**
 * One normalized delivery from a source: what every parser produces and what intake turns into an incident.
 * `deliveryId` identifies this exact delivery (redeliveries share it); `fingerprint` identifies the thing it is
 * about (the same ticket or alert across deliveries).
 */
export const Signal = z.object({
  source: Source,
  kind: SignalKind,
  /** create = a new ticket/alert; update = a change to a known one; resolve = a recovery. */
  action: z.enum(['create', 'update', 'resolve']),
  deliveryId: z.string().min(1),
  fingerprint: z.string().min(1),
  externalId: z.string().min(1),
  externalUrl: z.string().optional(),
  title: z.string().min(1),
  description: z.string().default(''),
  service: z.string().optional(),
  severity: SourceSeverity.default({}),
  /** Who raised it (a person for tickets, a system for alerts). */
  reporter: z.string().optional(),
  occurredAt: z.string(),
  /** Keys are the sender's own (any text, `__proto__` included): see label-map.ts. */
  labels: LabelMap.default({}),
  /**
   * Further keys whose open incident this signal belongs to, besides its own fingerprint: the alarm of a
   * multi-time-series contributor, the children of a composite alarm, an Alertmanager group.
   */
  correlationKeys: z.array(z.string().min(1)).optional(),
  /** Other names the affected service goes by (dimension values, labels), matched against the service map. */
  serviceHints: z.array(z.string()).optional(),
  /** Who made the change this delivery reports (ids, names, e-mails); recognises Lumos' own write-back. */
  changedBy: z.array(z.string()).optional(),
  /** The comment or work note that came with the change, if any; may carry the write-back marker. */
  changeNote: z.string().optional(),
  /**
   * Who the ticket waits on, as its source says: `customer` while it awaits the caller/requester (the SLA clock
   * pauses), `none` when its status says otherwise (the clock runs). Absent when the delivery does not tell, and
   * always for alerts.
   */
  waitingOn: z.enum(['customer', 'none']).optional(),
});
export type Signal = z.infer<typeof Signal>;

export const TimelineEntry = z.object({
  at: z.string(),
  /** `intake`, an agent name (`triage`, `knowledge`, ...), `human:<id>` or `system`. */
  actor: z.string(),
  type: z.string(),
  summary: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const TriageResult = z.object({
  priority: Priority,
  category: z.string(),
  assignmentGroup: z.string(),
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
  /** How the priority was reached: `matrix`, `alarm`, `text`, `model`. */
  method: z.string().optional(),
  reasons: z.array(z.string()).optional(),
});
export type TriageResult = z.infer<typeof TriageResult>;

export const KnowledgeArticleRef = z.object({
  articleId: z.string(),
  title: z.string(),
  score: z.number(),
  snippet: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type KnowledgeArticleRef = z.infer<typeof KnowledgeArticleRef>;

export const KnowledgeResult = z.object({
  query: z.string(),
  articles: z.array(KnowledgeArticleRef),
  suggestedResolution: z.string().optional(),
});
export type KnowledgeResult = z.infer<typeof KnowledgeResult>;

/**
 * How an incident ended (the outcome contract): Lumos' action mitigated it (verified), Lumos helped a person who
 * resolved it, a person resolved it alone, it recovered on its own, or it is still open. `personNeeded: false` only
 * after a verified recovery (or a fulfilled request whose post-checks passed).
 */
export const OutcomeClass = z.enum(['agent-mitigated', 'agent-assisted', 'human-resolved', 'self-recovered', 'open']);
export type OutcomeClass = z.infer<typeof OutcomeClass>;

export const IncidentOutcome = z.object({
  class: OutcomeClass,
  personNeeded: z.boolean(),
  mitigatedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  reason: z.string(),
});
export type IncidentOutcome = z.infer<typeof IncidentOutcome>;

/** The shared context of one incident, as stored in the incident table and shown at `GET /incidents/{id}`. */
export const Incident = z.object({
  incidentId: z.string(),
  source: Source,
  kind: SignalKind,
  externalId: z.string(),
  externalUrl: z.string().optional(),
  fingerprint: z.string(),
  title: z.string(),
  description: z.string(),
  service: z.string().optional(),
  reporter: z.string().optional(),
  status: IncidentStatus,
  priority: Priority,
  severity: SourceSeverity,
  labels: LabelMap,
  triage: TriageResult.optional(),
  knowledge: KnowledgeResult.optional(),
  /** The shared facts (affected service, environment, reporter, owning team), decided once; see incident-facts.ts. */
  facts: IncidentFacts.optional(),
  /** Agent and workflow outputs beyond triage and knowledge, keyed by agent name. */
  agents: z.record(z.string(), z.unknown()).default({}),
  timeline: z.array(TimelineEntry),
  executionArn: z.string().optional(),
  /** Where the raw delivery that opened it is archived. */
  rawRef: z.string().optional(),
  /** The delivery that opened it; names its one workflow execution. */
  openedByDelivery: z.string().optional(),
  /** Signals correlated into this incident (distinct fingerprints) and how many still fire; refreshed by intake. */
  signals: z.object({ total: z.number().int(), firing: z.number().int(), lastAt: z.string() }).optional(),
  /** Set when the workflow ends (and refreshed when the incident closes later); absent on older incidents. */
  outcome: IncidentOutcome.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Incident = z.infer<typeof Incident>;
