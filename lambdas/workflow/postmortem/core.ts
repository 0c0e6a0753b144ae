import type { Incident } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import type { TicketUpdate } from '../../itsm/ticket';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import { loadIncident } from '../step-input';
import { causeOf } from '../write-back/core';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const POSTMORTEM = stepActor('Postmortem');

const RESOLVED = new Set(['resolved', 'closed']);

/** Timeline entry types worth a line in a postmortem (the rest is detail the audit trail keeps). */
const NOTABLE = new Set([
  'incident.created',
  'signal.correlated',
  'triage.completed',
  'agent.triage',
  'agent.diagnosis',
  'diagnosis.completed',
  'plan.proposed',
  'approval.requested',
  'approval.decided',
  'runbook.executed',
  'plan.executed',
  'recovery.verified',
  'incident.escalated',
  'incident.flagged',
  'incident.resolved',
  'incident.closed',
  'outcome.recorded',
]);

const minutesBetween = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60_000));

interface Outcome {
  class?: string;
  personNeeded?: boolean;
  mitigatedAt?: string;
  resolvedAt?: string;
  reason?: string;
}

/**
 * Whether an incident is closed enough for a postmortem: resolved or closed. A fulfilled service request (a password
 * reset, an install) is not an outage: it gets its reply, not a postmortem.
 */
export const isPostmortemDue = (incident: Incident): boolean =>
  RESOLVED.has(incident.status) &&
  (incident.agents.fulfilment as { status?: string } | undefined)?.status !== 'fulfilled';

/**
 * A blameless postmortem draft from what the incident record holds: summary, impact, timeline, root cause (the
 * diagnosis when there is one), what Lumos did and what people did, and follow-ups. It is a draft: the sections a
 * person must complete say so instead of guessing.
 */
export function renderPostmortem(incident: Incident): string {
  const outcome = (incident.outcome ?? {}) as Outcome;
  const resolvedAt =
    outcome.resolvedAt ?? incident.timeline.find((e) => e.type === 'incident.resolved')?.at ?? incident.updatedAt;
  const duration = minutesBetween(incident.createdAt, resolvedAt);
  const toMitigate = outcome.mitigatedAt ? minutesBetween(incident.createdAt, outcome.mitigatedAt) : undefined;
  const execution = incident.agents.execution as
    | { done?: string[]; runbook?: { runbookId: string; status: string; summary: string } }
    | undefined;
  const verification = incident.agents.verification as { status?: string; summary?: string } | undefined;
  const dependency = incident.agents.dependency as
    | { blastRadius?: { components?: number; highCriticality?: string[] } }
    | undefined;
  const signals = incident.signals;
  const humans = incident.timeline.filter((e) => e.actor.startsWith('human:') || e.type === 'approval.decided');
  const lumos = [
    ...(execution?.done ?? []).map((d) => `Lumos: ${d}`),
    ...(execution?.runbook
      ? [`Runbook ${execution.runbook.runbookId}: ${execution.runbook.status} (${execution.runbook.summary})`]
      : []),
    ...(verification?.status ? [`Verification: ${verification.status} (${verification.summary ?? ''})`] : []),
  ];
  const followUps: string[] = [];
  if (!(incident.agents.diagnosis as { status?: string } | undefined)) {
    followUps.push('Confirm the root cause: Lumos had no diagnosis for this incident.');
  }
  if (execution?.runbook?.runbookId === 'restart-service' || execution?.runbook?.runbookId === 'free-disk') {
    followUps.push('A restart or clean-up treats the symptom: find out why the service got into that state.');
  }
  if (execution?.runbook?.runbookId === 'rollback-deployment')
    followUps.push('Fix the rolled-back release and add a test or canary check that would have caught it.');
  if (outcome.class === 'self-recovered')
    followUps.push('It recovered on its own: decide whether the alarm is too sensitive or the cause will return.');
  if (verification?.status === 'not-recovered')
    followUps.push('The automated remediation did not recover the service: review the runbook for this failure mode.');
  followUps.push(
    'Check that monitoring caught this before users did, and that the runbook and knowledge article are current.',
  );

  const lines = [
    `# Postmortem (draft): ${incident.title}`,
    '',
    `Incident ${incident.externalId} (${incident.incidentId}), ${incident.triage?.priority ?? incident.priority}${incident.service ? `, service ${incident.service}` : ''}. Draft written by Lumos from the incident record; a person reviews and completes it.`,
    '',
    '## Summary',
    `Opened ${incident.createdAt}, resolved ${resolvedAt} (${duration} min).${toMitigate !== undefined ? ` Mitigated after ${toMitigate} min.` : ''} Outcome: ${outcome.class ?? 'unclassified'}${outcome.reason ? ` (${outcome.reason})` : ''}.`,
    '',
    '## Impact',
    `- Service: ${incident.service ?? 'unknown'}; duration ${duration} min.`,
    ...(signals ? [`- ${signals.total} correlated signal(s).`] : []),
    ...(dependency?.blastRadius
      ? [
          `- Blast radius: ${dependency.blastRadius.components ?? '?'} component(s)${dependency.blastRadius.highCriticality?.length ? `, critical: ${dependency.blastRadius.highCriticality.join(', ')}` : ''}.`,
        ]
      : []),
    '- Users affected: to be completed by the reviewer.',
    '',
    '## Root cause',
    causeOf(incident),
    '',
    '## Timeline (UTC)',
    ...incident.timeline
      .filter((e) => NOTABLE.has(e.type))
      .slice(0, 40)
      .map((e) => `- ${e.at.slice(0, 19).replace('T', ' ')} ${e.actor}: ${e.summary}`),
    '',
    '## What Lumos did',
    ...(lumos.length ? lumos.map((l) => `- ${l}`) : ['- Triage, enrichment and routing only; no change was made.']),
    '',
    '## What people did',
    ...(humans.length ? humans.map((h) => `- ${h.summary}`) : ['- Nothing recorded on the incident.']),
    '',
    '## Follow-ups',
    ...followUps.map((f) => `- [ ] ${f}`),
  ];
  return lines.join('\n');
}

/** What the Postmortem step needs. */
export interface PostmortemDeps {
  store: IncidentStore;
  clock: Clock;
  /** Writes to the ticket exactly once per incident and purpose (the ITSM write-back). */
  writeBack: (incident: Incident, purpose: string, update: TicketUpdate) => Promise<unknown>;
  /** Keeps a draft knowledge article for review, when the incident's fix is new to the knowledge base. */
  draftArticle?: (incident: Incident) => Promise<{ ref: string } | undefined>;
}

/**
 * Workflow step `Postmortem`: when the incident is closed, attaches the postmortem draft to its ticket (a work note,
 * once) and keeps it under `agents.postmortem`; a resolved incident whose fix the knowledge base lacks also becomes
 * a draft article for review. An open incident gets neither (a person is still working on it).
 */
export async function writePostmortem(
  deps: PostmortemDeps,
  incidentId: string,
): Promise<{ status: 'written' | 'not-due'; draftArticle?: string }> {
  const incident = await loadIncident(deps.store, incidentId);
  if (!isPostmortemDue(incident)) return { status: 'not-due' };
  const markdown = renderPostmortem(incident);
  await deps.writeBack(incident, 'postmortem', { workNote: markdown });
  const draft = deps.draftArticle ? await deps.draftArticle(incident) : undefined;
  const at = deps.clock.now().toISOString();
  await deps.store.update(incidentId, {
    agents: { postmortem: { at, markdown, ...(draft ? { draftArticle: draft.ref } : {}) } },
    append: [
      {
        at,
        actor: POSTMORTEM,
        type: 'postmortem.drafted',
        summary: `Postmortem draft attached to the ticket${draft ? `; knowledge article drafted for review (${draft.ref})` : ''}`,
      },
    ],
  });
  return { status: 'written', ...(draft ? { draftArticle: draft.ref } : {}) };
}
