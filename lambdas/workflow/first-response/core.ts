import { agentResult, type RoutingResultView } from '../../agents/agent-results';
import { diagnosisOf, diagnosisSection } from '../../agents/diagnosis/diagnosis';
import type { Incident } from '../../core/incident';
import type { TicketUpdate } from '../../itsm/ticket';

type Routing = RoutingResultView;

/** What the first response tells people to do next: the suggested resolution, the best article, who has it. */
export function nextSteps(incident: Incident, routing: Routing | undefined): string[] {
  const steps: string[] = [];
  const knowledge = incident.knowledge;
  if (knowledge?.suggestedResolution) steps.push(`Suggested resolution: ${knowledge.suggestedResolution}`);
  const top = knowledge?.articles?.[0];
  if (top)
    steps.push(
      `Start with "${top.title}" (${top.articleId})${top.snippet ? `: ${top.snippet.replace(/\s+/g, ' ').slice(0, 200)}` : ''}`,
    );
  const group = routing?.group ?? incident.triage?.assignmentGroup;
  if (group) steps.push(`${group} owns it${routing?.assignee ? `; ${routing.assignee.name} is on call` : ''}.`);
  steps.push(
    'Lumos keeps working on it (logs, dependencies, a plan) and writes a handoff packet here if a person must take over.',
  );
  return steps;
}

/** The first response as a work note: triage with its reasoning, routing, the diagnosis, the top articles and next steps. */
export function firstResponseText(incident: Incident, routing: Routing | undefined): string {
  const triage = incident.triage;
  const articles = (incident.knowledge?.articles ?? []).slice(0, 3);
  const lines = ['## Lumos first response'];
  if (triage) {
    lines.push(
      `**Triage:** ${triage.priority} ${triage.category}, ${Math.round(triage.confidence * 100)}% confident`,
      `Why: ${triage.rationale}`,
    );
  } else lines.push(`**Triage:** not available yet; priority stays ${incident.priority} from the source.`);
  if (routing?.group) lines.push(`**Routed to:** ${routing.group}${routing.reason ? ` (${routing.reason})` : ''}`);
  const service = incident.facts?.service;
  if (service)
    lines.push(
      `**Affected service:** ${service}${incident.facts?.basis.service ? ` (from ${incident.facts.basis.service})` : ''}`,
    );
  const diagnosis = diagnosisOf(incident.agents.diagnosis);
  if (diagnosis) lines.push('', '## Diagnosis', ...diagnosisSection(diagnosis));
  lines.push('', '## Top knowledge');
  if (articles.length) lines.push(...articles.map((a) => `- ${a.title} (${a.articleId}, score ${a.score.toFixed(2)})`));
  else lines.push('- Nothing in the knowledge base matches yet.');
  lines.push('', '## Next steps', ...nextSteps(incident, routing).map((s) => `- ${s}`));
  return lines.join('\n');
}

/** The first write to the ticket: the note, work started, and the team routing chose (with the on-call person). */
export function firstResponseUpdate(incident: Incident): TicketUpdate {
  const routing = agentResult(incident, 'EscalationRouting');
  const group = routing?.group ?? incident.triage?.assignmentGroup;
  return {
    workNote: firstResponseText(incident, routing),
    state: 'in_progress',
    ...(group ? { assignment: { group, ...(routing?.assignee ? { assignee: routing.assignee } : {}) } } : {}),
  };
}

/** When the delivery that opened the incident arrived: intake stamps `createdAt` as it accepts it. */
export const deliveredAtOf = (incident: Pick<Incident, 'createdAt' | 'timeline'>): string =>
  incident.timeline.find((e) => e.actor === 'intake')?.at ?? incident.createdAt;
