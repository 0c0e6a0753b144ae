export type { CandidateTeam, RoutingDecision } from '../agent-results';

import type { Incident, Priority } from '../../core/incident';
import { isClosed } from '../../ports/incident-store';
import type { CandidateTeam, RoutingDecision } from '../agent-results';
import { diagnosisOf } from '../diagnosis/diagnosis';
import { inHours, personOf, rotationOnCall, type TeamsConfig } from './teams';

/** The diagnosed cause of an incident on another component than the affected service, and who owns it. */
export interface DiagnosedCause {
  component: string;
  owner: string;
}

/** Below this diagnosis confidence the cause does not decide the team (the plan does not act on it either). */
export const CAUSE_CONFIDENCE_FLOOR = 0.4;

/**
 * The cause that decides the owning team: the diagnosis' top hypothesis when it is confident, names a known cause on
 * a component other than the affected service, and the service graph knows that component's owner.
 */
export function diagnosedCause(
  incident: Incident,
  ownerOf: (component: string) => string | undefined,
): DiagnosedCause | undefined {
  const diagnosis = diagnosisOf(incident.agents?.diagnosis);
  const top = diagnosis?.hypotheses[0];
  if (!diagnosis || !top || top.failureMode === 'unknown' || diagnosis.confidence < CAUSE_CONFIDENCE_FLOOR)
    return undefined;
  if (top.component === (incident.facts?.service ?? incident.service)) return undefined;
  const owner = ownerOf(top.component);
  return owner ? { component: top.component, owner } : undefined;
}

/** Who is on call for a team, from an outside schedule (PagerDuty); undefined lets the configured rotation decide. */
export interface OnCallLookup {
  onCall(scheduleId: string, at: Date): Promise<{ email?: string; name: string; until?: string } | undefined>;
}

const URGENT: readonly Priority[] = ['P1', 'P2'];

/**
 * The group an open incident currently sits with: a person's reassignment in the ITSM tool (two-way sync), else the
 * routing decision, else triage's suggestion.
 */
export function groupOf(incident: Incident): string | undefined {
  const reassigned = (incident.agents?.assignment as { group?: unknown } | undefined)?.group;
  if (typeof reassigned === 'string') return reassigned;
  const routed = (incident.agents?.routing as { group?: unknown } | undefined)?.group;
  return typeof routed === 'string' ? routed : incident.triage?.assignmentGroup;
}

/** Open incidents per group (the workload), from the most recent incidents, leaving one incident out. */
export function workloadOf(incidents: readonly Incident[], exclude?: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const incident of incidents) {
    if (incident.incidentId === exclude || isClosed(incident.status)) continue;
    const group = groupOf(incident);
    if (group) counts[group] = (counts[group] ?? 0) + 1;
  }
  return counts;
}

/**
 * Picks the team for an incident:
 * 1. skills: the groups that can take the triage category, most suitable first (unknown categories: the fallback);
 * 2. schedule: an urgent incident (P1/P2) only goes to a team with someone at work or on call now;
 * 3. workload: a team at or over capacity gives way to the next suitable one that is not.
 * Among what remains the most suitable team wins. The assignee is the on-call person for urgent incidents and
 * outside working hours; otherwise the ticket waits in the team's queue.
 */
export async function routeIncident(
  incident: Incident,
  config: TeamsConfig,
  workload: Record<string, number>,
  at: Date,
  lookup?: OnCallLookup,
  cause?: DiagnosedCause,
): Promise<RoutingDecision> {
  const category = incident.triage?.category ?? 'general';
  const priority = incident.triage?.priority ?? incident.priority;
  const urgent = URGENT.includes(priority);
  // The team that owns the diagnosed cause leads when the roster knows it (the fix is theirs), else the team the
  // service graph names as the affected service's owner: it owns the service whatever the words of the ticket
  // suggest. The category's skill list follows.
  const byCause = cause && config.teams[cause.owner] ? cause : undefined;
  const proposed = byCause?.owner ?? incident.facts?.owningTeam;
  const owner = proposed && config.teams[proposed] ? proposed : undefined;
  const owned = byCause
    ? `${byCause.component}, the diagnosed cause`
    : (incident.facts?.service ?? 'the affected service');
  const groups = [...new Set([...(owner ? [owner] : []), ...(config.skills[category] ?? []), config.fallbackGroup])];

  const candidates: CandidateTeam[] = [];
  for (const [skillRank, group] of groups.entries()) {
    const team = config.teams[group]!;
    const working = inHours(team, at);
    let onCall: CandidateTeam['onCall'];
    if (team.onCall?.pagerDutyScheduleId && lookup) {
      const found = await lookup.onCall(team.onCall.pagerDutyScheduleId, at).catch(() => undefined);
      if (found) onCall = { ...found, source: 'pagerduty' };
    }
    if (!onCall && team.onCall?.rotation) {
      const { member, until } = rotationOnCall(team.onCall.rotation, at);
      onCall = { name: personOf(config, member).name, email: member, until, source: 'rotation' };
    }
    const open = workload[group] ?? 0;
    const load = open / team.capacity;
    const staffed = working || !!onCall;
    const eligible = urgent ? staffed : true;
    const why = [
      group === owner
        ? `owns ${owned}`
        : skillRank === 0
          ? `owns ${category}`
          : `can take ${category} (choice ${skillRank + 1})`,
      working ? 'at work now' : onCall ? `outside hours, ${onCall.name} on call` : 'outside hours, nobody on call',
      `${open}/${team.capacity} open`,
    ].join('; ');
    candidates.push({
      group,
      skillRank,
      inHours: working,
      ...(onCall ? { onCall } : {}),
      open,
      capacity: team.capacity,
      load,
      eligible,
      why,
    });
  }

  const eligible = candidates.filter((c) => c.eligible);
  const pool = eligible.length ? eligible : candidates;
  const ranked = [...pool].sort(
    (a, b) => Number(a.load >= 1) - Number(b.load >= 1) || a.skillRank - b.skillRank || a.load - b.load,
  );
  const chosen = ranked[0]!;
  const first = candidates[0]!;
  let reason: string;
  const ownsService =
    first.group === owner ? (byCause ? owned : `the affected service ${incident.facts?.service}`) : undefined;
  if (chosen.group === first.group)
    reason = `${chosen.group} owns ${ownsService ?? `${category} incidents`} and can take it (${chosen.why})`;
  else if (!first.eligible)
    reason = `${first.group} owns ${ownsService ?? category} but nobody is at work or on call for a ${priority}; ${chosen.group} takes it (${chosen.why})`;
  else if (first.load >= 1)
    reason = `${first.group} is at capacity (${first.open}/${first.capacity} open); ${chosen.group} takes it (${chosen.why})`;
  else reason = `${chosen.group} takes it (${chosen.why})`;
  if (!eligible.length) reason += '; no team is staffed right now, so the most suitable one gets it for its next shift';

  const assignOnCall = chosen.onCall && (urgent || !chosen.inHours);
  const onCall = assignOnCall ? chosen.onCall : undefined;
  const assignee = onCall?.email
    ? {
        ...personOf(config, onCall.email),
        // A person the roster does not know (from PagerDuty) keeps the name PagerDuty gave.
        ...(config.people[onCall.email] ? {} : { name: onCall.name }),
        ...(onCall.until ? { until: onCall.until } : {}),
        source: onCall.source,
      }
    : undefined;
  const decision: Omit<RoutingDecision, 'summary'> = {
    group: chosen.group,
    ...(assignee ? { assignee } : {}),
    category,
    priority,
    candidates,
    reason,
    decidedAt: at.toISOString(),
  };
  return { ...decision, summary: routingSummary(incident, decision) };
}

/** The few lines the receiving team reads first: what, how bad, why them, who is on it, what Lumos knows. */
export function routingSummary(incident: Incident, decision: Omit<RoutingDecision, 'summary'>): string {
  const triage = incident.triage;
  const top = incident.knowledge?.articles?.[0];
  return [
    `${decision.priority} ${decision.category} incident ${incident.externalId}: ${incident.title}`,
    `Routed to ${decision.group}${decision.assignee ? `, on call: ${decision.assignee.name}${decision.assignee.until ? ` until ${decision.assignee.until}` : ''}` : ' (team queue)'}. ${decision.reason}.`,
    triage ? `Triage (${Math.round(triage.confidence * 100)}% confident): ${triage.rationale}` : 'Not triaged.',
    ...((incident.facts?.service ?? incident.service)
      ? [`Affected service: ${incident.facts?.service ?? incident.service}.`]
      : []),
    ...(top ? [`Best knowledge: ${top.title} (${top.articleId}).`] : []),
  ].join('\n');
}
