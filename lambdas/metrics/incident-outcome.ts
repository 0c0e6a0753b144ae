import type { Incident, OutcomeClass, TimelineEntry } from '../core/incident';
import { classifyOutcome } from '../workflow/record-outcome/outcome-class';

/** Who did the thing a metric measures: Lumos' agents and workflow, or a person. */
export type Handler = 'ai' | 'human';

/** A moment in an incident's life and who brought it about. */
export interface Milestone {
  at: string;
  /** Seconds since the incident opened. */
  seconds: number;
  by: Handler;
}

/**
 * What the outcome metrics need to know about one incident, read from its timeline and agent results. Every
 * field is derived by a rule documented on it, so a number on the dashboard can be traced to timeline entries.
 */
export interface IncidentOutcome {
  incidentId: string;
  priority: string;
  createdAt: string;
  /**
   * First time someone took the incident on: the triage agent's result (AI) or any person's action (human),
   * whichever came first. MTTA is measured to it.
   */
  acknowledged?: Milestone;
  /**
   * First response the requester sees: a work note or message on the ticket (approval requested, plan or runbook
   * executed, escalation note, flagged for a person) or any person's action.
   */
  firstResponse?: Milestone;
  /**
   * When it was resolved (or closed) and by whom: `ai` for an agent-mitigated outcome (verified recovery, fulfilled
   * request), `human` for agent-assisted and human-resolved ones; for others, whether a person was involved.
   */
  resolved?: Milestone;
  /** How it ended (the stored outcome class, or classified from the record when there is none or it was open). */
  outcomeClass: OutcomeClass;
  /** When Lumos' remediation was verified to have recovered the service (time to mitigation). */
  mitigated?: Milestone;
  /**
   * Handed to people: `ai` when Lumos itself decided a person must take over (an agent failed, the plan or an
   * agent asked for a person); `human` when people let it escalate (no decision before the approval deadline, an
   * SLA breach).
   */
  escalated?: { at: string; by: Handler; reason: string };
  /** A human approval gate: when it was requested and how it ended. */
  approval?: {
    requestedAt: string;
    decidedAt?: string;
    /** Seconds from request to decision. */
    latencySeconds?: number;
    outcome: 'pending' | 'approved' | 'rejected' | 'expired';
  };
  /** The plan ran without a gate: the policy let the AI act on its own. */
  autoApproved: boolean;
  /**
   * Decisions reversed by the other side: `human` when a person reversed an AI decision (rejected its plan,
   * changed the triaged priority), `ai` when triage changed a priority the source had set.
   */
  overrides: { at: string; by: Handler }[];
  /** AI decisions people reversed: a rejected plan, a triage priority a person changed afterwards. */
  humanOverrides: number;
  /** AI decisions people could have reversed (triage results, plans put to a person). */
  aiDecisions: number;
  /** The source set a priority and the triage agent changed it. */
  aiOverrodeSource: boolean;
  /** The source set a priority (impact/urgency, its own priority, a severity label). */
  sourceSetPriority: boolean;
  /** Reopened after resolution (an explicit reopen, or activity from the source after it resolved). */
  reopened: boolean;
  /** When it came back, if it did and the timeline says when. */
  reopenedAt?: string;
  /** SLA breaches recorded on the incident (resolution target passed, P1 without progress). */
  slaBreaches: number;
  /** When each breach entry was written. */
  slaBreachTimes: string[];
  /** Not resolved or closed. */
  open: boolean;
  awaitingApproval: boolean;
  fingerprint: string;
}

const isHuman = (entry: TimelineEntry) => entry.actor.startsWith('human:');

/** Entries by which Lumos' agents take an incident on. */
const AI_ACKNOWLEDGEMENT_TYPES = new Set(['agent.triage', 'triage.completed']);

/** Entries that put a response in front of the requester (each also writes to the ticket or pages someone). */
const RESPONSE_TYPES = new Set([
  'approval.requested',
  'plan.executed',
  'runbook.executed',
  'incident.escalated',
  'incident.flagged',
  'work_note.posted',
  'itsm.write',
]);

const RESOLUTION_TYPES = new Set(['incident.resolved', 'incident.closed']);

/** After a resolution, entries like these mean the incident came back. */
const REOPEN_TYPES = new Set(['incident.reopened']);
const SOURCE_ACTIVITY_TYPES = new Set(['signal.refired', 'signal.correlated', 'incident.updated']);

/** Escalations Lumos decided on, as opposed to those that happened because people did not act in time. */
const AI_ESCALATION_TYPES = new Set(['incident.flagged', 'escalation.requested']);
const HUMAN_ESCALATION_TYPES = new Set(['incident.escalated', 'sla.breached', 'sla.no_progress']);

const PRIORITY_CHANGE = /changed priority (P[1-5]) -> (P[1-5])/;

const secondsBetween = (from: string, to: string) => Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

function milestone(incident: Incident, entry: TimelineEntry, by: Handler): Milestone {
  return { at: entry.at, seconds: secondsBetween(incident.createdAt, entry.at), by };
}

const sorted = (timeline: readonly TimelineEntry[]) =>
  timeline
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Date.parse(a.entry.at) - Date.parse(b.entry.at) || a.index - b.index)
    .map(({ entry }) => entry);

function resolution(incident: Incident, timeline: TimelineEntry[]): TimelineEntry | undefined {
  const explicit = timeline.find((e) => RESOLUTION_TYPES.has(e.type));
  if (explicit) return explicit;
  // Closed by a status change that left no entry of its own: its last update is the best evidence of when.
  if (incident.status === 'resolved' || incident.status === 'closed') {
    return { at: incident.updatedAt, actor: 'system', type: 'incident.resolved', summary: 'resolved' };
  }
  return undefined;
}

/** A person's hand in handling the incident before `until`: any human action, escalation or a person's decision. */
function humanInvolved(timeline: TimelineEntry[], until: string): boolean {
  const limit = Date.parse(until);
  return timeline.some(
    (e) =>
      Date.parse(e.at) <= limit &&
      (isHuman(e) ||
        HUMAN_ESCALATION_TYPES.has(e.type) ||
        AI_ESCALATION_TYPES.has(e.type) ||
        e.type === 'approval.decided'),
  );
}

function escalation(incident: Incident, timeline: TimelineEntry[]): IncidentOutcome['escalated'] {
  const first = timeline.find((e) => AI_ESCALATION_TYPES.has(e.type) || HUMAN_ESCALATION_TYPES.has(e.type));
  if (first) {
    return { at: first.at, by: AI_ESCALATION_TYPES.has(first.type) ? 'ai' : 'human', reason: first.summary };
  }
  if (incident.status === 'escalated' || incident.status === 'needs_human') {
    // The workflow ended with a person in charge without a dedicated entry (a rejected plan: a person decided).
    const decided = timeline.find((e) => e.type === 'approval.decided');
    return { at: incident.updatedAt, by: decided ? 'human' : 'ai', reason: `status ${incident.status}` };
  }
  return undefined;
}

function approvalOf(incident: Incident, timeline: TimelineEntry[]): IncidentOutcome['approval'] {
  const requested = timeline.find((e) => e.type === 'approval.requested');
  if (!requested) return undefined;
  const decided = timeline.find((e) => e.type === 'approval.decided' && Date.parse(e.at) >= Date.parse(requested.at));
  const expired = timeline.find((e) => e.type === 'approval.expired');
  const stored = (incident.agents.approval ?? {}) as { status?: string };
  let outcome: NonNullable<IncidentOutcome['approval']>['outcome'] = 'pending';
  if (decided) outcome = /^rejected\b/.test(decided.summary) || stored.status === 'rejected' ? 'rejected' : 'approved';
  else if (expired || stored.status === 'expired') outcome = 'expired';
  return {
    requestedAt: requested.at,
    outcome,
    ...(decided ? { decidedAt: decided.at, latencySeconds: secondsBetween(requested.at, decided.at) } : {}),
  };
}

function sourcePriorityOf(incident: Incident, timeline: TimelineEntry[]): string | undefined {
  const { severity } = incident;
  const stated = severity.priority || (severity.impact && severity.urgency) || severity.label;
  if (!stated) return undefined;
  const created = timeline.find((e) => e.type === 'incident.created');
  const initial = created?.data?.initialPriority;
  return typeof initial === 'string' ? initial : undefined;
}

/** Reads one incident's outcome facts from its timeline; pure, so it is tested on hand-written timelines. */
export function incidentOutcome(incident: Incident): IncidentOutcome {
  const timeline = sorted(incident.timeline);
  const triage = timeline.find((e) => AI_ACKNOWLEDGEMENT_TYPES.has(e.type));
  const firstHuman = timeline.find(isHuman);

  let acknowledged: Milestone | undefined;
  if (triage && (!firstHuman || Date.parse(triage.at) <= Date.parse(firstHuman.at))) {
    acknowledged = milestone(incident, triage, 'ai');
  } else if (firstHuman) {
    acknowledged = milestone(incident, firstHuman, 'human');
  }

  const response = timeline.find((e) => isHuman(e) || RESPONSE_TYPES.has(e.type));
  const resolvedEntry = resolution(incident, timeline);
  // The stored class is the workflow's verdict; an incident closed after the workflow ended is classified again.
  const stored = incident.outcome;
  const outcome =
    stored && !(stored.class === 'open' && (incident.status === 'resolved' || incident.status === 'closed'))
      ? stored
      : classifyOutcome(incident, new Date(incident.updatedAt));
  const byClass: Handler | undefined =
    outcome.class === 'agent-mitigated'
      ? 'ai'
      : outcome.class === 'agent-assisted' || outcome.class === 'human-resolved'
        ? 'human'
        : undefined;
  const resolved = resolvedEntry
    ? milestone(incident, resolvedEntry, byClass ?? (humanInvolved(timeline, resolvedEntry.at) ? 'human' : 'ai'))
    : undefined;
  const mitigated = outcome.mitigatedAt
    ? { at: outcome.mitigatedAt, seconds: secondsBetween(incident.createdAt, outcome.mitigatedAt), by: 'ai' as const }
    : undefined;

  const approval = approvalOf(incident, timeline);
  const plan = incident.agents.plan as { requiresApproval?: boolean } | undefined;
  const executed = timeline.some((e) => e.type === 'plan.executed');
  const autoApproved = executed && !approval && plan?.requiresApproval !== true;

  // Reversals of AI decisions by people: a rejected plan; a priority the source changed after triage, which
  // only a person editing the ticket does (alerts raise priority through `priority.raised`, not this).
  const priorityChange = triage
    ? timeline.find(
        (e) =>
          Date.parse(e.at) > Date.parse(triage.at) &&
          (e.type === 'triage.overridden' || (e.type === 'incident.updated' && PRIORITY_CHANGE.test(e.summary))),
      )
    : undefined;
  const overrides: IncidentOutcome['overrides'] = [];
  if (approval?.outcome === 'rejected') overrides.push({ at: approval.decidedAt ?? approval.requestedAt, by: 'human' });
  if (priorityChange) overrides.push({ at: priorityChange.at, by: 'human' });
  const aiDecisions =
    (triage ? 1 : 0) + (approval && approval.outcome !== 'pending' && approval.outcome !== 'expired' ? 1 : 0);

  const sourcePriority = sourcePriorityOf(incident, timeline);
  const aiOverrodeSource = Boolean(sourcePriority && incident.triage && incident.triage.priority !== sourcePriority);
  if (aiOverrodeSource && triage) overrides.push({ at: triage.at, by: 'ai' });

  const reopenEntry = timeline.find(
    (e) =>
      REOPEN_TYPES.has(e.type) ||
      (resolvedEntry !== undefined &&
        Date.parse(e.at) > Date.parse(resolvedEntry.at) &&
        SOURCE_ACTIVITY_TYPES.has(e.type) &&
        e.actor === 'intake'),
  );

  const sla = incident.agents.sla as { breaches?: { at?: string }[] } | undefined;
  const breachEntries = timeline
    .filter((e) => e.type === 'sla.breached' || e.type === 'sla.no_progress')
    .map((e) => e.at);
  const storedBreaches = Array.isArray(sla?.breaches) ? sla.breaches.map((b) => b.at ?? incident.updatedAt) : [];
  const slaBreachTimes = storedBreaches.length > breachEntries.length ? storedBreaches : breachEntries;
  const open = incident.status !== 'resolved' && incident.status !== 'closed';
  const escalated = escalation(incident, timeline);

  return {
    incidentId: incident.incidentId,
    priority: incident.triage?.priority ?? incident.priority,
    createdAt: incident.createdAt,
    ...(acknowledged ? { acknowledged } : {}),
    ...(response ? { firstResponse: milestone(incident, response, isHuman(response) ? 'human' : 'ai') } : {}),
    ...(resolved ? { resolved } : {}),
    outcomeClass: outcome.class,
    ...(mitigated ? { mitigated } : {}),
    ...(escalated ? { escalated } : {}),
    ...(approval ? { approval } : {}),
    autoApproved,
    overrides,
    humanOverrides: overrides.filter((o) => o.by === 'human').length,
    aiDecisions,
    aiOverrodeSource,
    sourceSetPriority: Boolean(sourcePriority),
    reopened: reopenEntry !== undefined,
    ...(reopenEntry ? { reopenedAt: reopenEntry.at } : {}),
    slaBreaches: slaBreachTimes.length,
    slaBreachTimes,
    open,
    awaitingApproval: open && (incident.status === 'awaiting_approval' || approval?.outcome === 'pending'),
    fingerprint: incident.fingerprint,
  };
}

/**
 * Recurrences count as reopens: an incident resolved and then opened again for the same fingerprint within
 * `windowHours`. Returns the ids of the earlier incidents that recurred.
 */
export function recurrences(outcomes: readonly IncidentOutcome[], windowHours = 72): Set<string> {
  const byFingerprint = new Map<string, IncidentOutcome[]>();
  for (const outcome of outcomes) {
    const list = byFingerprint.get(outcome.fingerprint) ?? [];
    list.push(outcome);
    byFingerprint.set(outcome.fingerprint, list);
  }
  const recurred = new Set<string>();
  for (const list of byFingerprint.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    for (let i = 0; i < list.length - 1; i++) {
      const resolvedAt = list[i]!.resolved?.at;
      if (!resolvedAt) continue;
      const next = Date.parse(list[i + 1]!.createdAt);
      if (next >= Date.parse(resolvedAt) && next - Date.parse(resolvedAt) <= windowHours * 3_600_000) {
        recurred.add(list[i]!.incidentId);
      }
    }
  }
  return recurred;
}
