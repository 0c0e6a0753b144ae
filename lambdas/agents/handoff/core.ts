import * as z from 'zod';
import type { Incident } from '../../core/incident';
import type { TicketPerson } from '../../itsm/ticket';
import { agentResult } from '../agent-results';
import { type Diagnosis, describeHypotheses, diagnosisOf } from '../diagnosis/diagnosis';
import type { RoutingDecision } from '../escalation-routing/core';

/** How the workflow ended before the handoff, as the state machine passes it. */
export const HandoffOutcome = z.enum(['executed', 'rejected', 'escalated', 'fulfilled', 'flagged']);
export type HandoffOutcome = z.infer<typeof HandoffOutcome>;

/** The packet a person takes over with: everything Lumos knows, on one screen. Kept under `agents.handoff`. */
export interface HandoffPacket {
  needed: boolean;
  /** The outcome contract's name for `needed`: false only after a verified recovery or a fulfilled request. */
  personNeeded: boolean;
  /** Why a person must take over (or why not). */
  reason: string;
  to?: { group: string; assignee?: TicketPerson & { until?: string } };
  /** Set when the team taking over is not the owning team routing chose earlier: the change and why. */
  reassigned?: { from: string; to: string; because: string };
  headline: string;
  /** The diagnosis: ranked hypotheses with their evidence. */
  diagnosis?: { summary: string; confidence: number; hypotheses: string[]; confirm: string[]; ruleOut: string[] };
  history: Array<{ at: string; actor: string; summary: string }>;
  sentiment?: { current: number; trend: string; summary: string; escalation?: string };
  triage?: { priority: string; category: string; confidence: number; rationale: string };
  evidence?: { summary: string; anomalies: string[]; confidence?: number };
  blastRadius?: {
    summary: string;
    components?: number;
    highCriticality: string[];
    owners: string[];
    suspects: string[];
  };
  knowledge: Array<{ articleId: string; title: string; score: number }>;
  suggestedResolution?: string;
  actionsTried: string[];
  /** 0..1: how sure Lumos is of its diagnosis (triage, tempered by the evidence agents). */
  confidence: number;
  nextSteps: string[];
  builtAt: string;
  /** The packet as the work note people read. */
  text: string;
}

// Results of non-agent steps are read leniently too: a step that did not run leaves its section out.
const Plan = z.looseObject({
  actions: z.array(z.looseObject({ type: z.string(), target: z.string(), reason: z.string().optional() })).default([]),
  rationale: z.string().optional(),
  remediation: z
    .looseObject({ personTakesOver: z.boolean(), why: z.string(), runbookId: z.string().optional() })
    .optional(),
  proposal: z
    .looseObject({
      runbook: z.looseObject({ id: z.string(), title: z.string(), parameters: z.record(z.string(), z.string()) }),
      target: z.string(),
      because: z.array(z.string()).default([]),
    })
    .optional(),
});
const Execution = z.looseObject({
  done: z.array(z.string()).default([]),
  refused: z
    .array(z.looseObject({ why: z.string(), action: z.looseObject({ type: z.string(), target: z.string() }) }))
    .default([]),
  runbook: z.looseObject({ runbookId: z.string(), status: z.string(), summary: z.string() }).optional(),
});
const read = <T extends z.ZodType>(schema: T, value: unknown): z.infer<T> | undefined => {
  const parsed = schema.safeParse(value);
  return parsed.success &&
    (parsed.data as { status?: string }).status !== 'skipped' &&
    (parsed.data as { status?: string }).status !== 'failed'
    ? parsed.data
    : undefined;
};

const pct = (value: number) => `${Math.round(value * 100)}%`;

/** Why a person must take over, or undefined when Lumos finished the job itself. */
export function handoffReason(incident: Incident, outcome: HandoffOutcome | undefined): string | undefined {
  const plan = read(Plan, incident.agents.plan);
  const execution = read(Execution, incident.agents.execution);
  const fulfilment = agentResult(incident, 'Fulfilment');
  const sentiment = agentResult(incident, 'Sentiment');
  if (outcome === 'rejected') return 'the approver rejected the planned response';
  if (outcome === 'flagged' || incident.status === 'needs_human') return 'an agent failed for good; a person must look';
  // The alarm cleared by itself before anything ran and verification found the service healthy: nothing is left for
  // a person to decide, whether the plan waited on a review nobody gave or proposed a takeover for want of a cause.
  const verified = incident.agents.verification as { status?: string } | undefined;
  if (verified?.status === 'self-recovered' && !execution?.runbook) return undefined;
  if (outcome === 'escalated') return 'nobody decided on the planned response in time';
  if (fulfilment && !['fulfilled', 'not_a_request'].includes(fulfilment.status)) {
    return `the request could not be fulfilled automatically (${fulfilment.summary ?? fulfilment.status})`;
  }
  if (execution?.refused.length)
    return `policy refused ${execution.refused.map((r) => r.action.type).join(', ')} right before execution`;
  if (execution?.runbook && ['rolled_back', 'rollback_failed'].includes(execution.runbook.status)) {
    return `runbook ${execution.runbook.runbookId} failed (${execution.runbook.status})`;
  }
  // A planned review was done by the approvers before the plan ran; asking for a person is another matter.
  const escalation = plan?.actions.find((a) => a.type === 'escalate-to-human');
  if (escalation)
    return escalation.reason?.startsWith('a person takes over') ? escalation.reason : 'the user asked for a person';
  if (plan?.remediation?.personTakesOver) return `a person takes over: ${plan.remediation.why}`;
  if (sentiment?.escalation?.raised)
    return `the reporter's sentiment calls for a person (${sentiment.escalation.reasons.join('; ')})`;
  // Nobody is told "no person needed" unless recovery was verified (or the request was fulfilled and checked).
  if (fulfilment?.status === 'fulfilled') return undefined;
  const verification = incident.agents.verification as { status?: string; summary?: string } | undefined;
  if (verification?.status === 'recovered' || verification?.status === 'self-recovered') return undefined;
  if (verification?.status === 'not-recovered')
    return `recovery was not verified (${verification.summary ?? 'the checks did not pass in time'})`;
  return execution?.runbook
    ? `recovery was not verified (${verification?.summary ?? 'no verification ran'})`
    : 'Lumos took no verified remedial action; a person must confirm the incident is handled';
}

function actionsTried(incident: Incident): string[] {
  const tried: string[] = [];
  const execution = read(Execution, incident.agents.execution);
  const fulfilment = agentResult(incident, 'Fulfilment');
  if (execution) {
    tried.push(...execution.done.map((d) => `Lumos: ${d}`));
    tried.push(...execution.refused.map((r) => `Refused by policy: ${r.action.type} ${r.action.target} (${r.why})`));
    if (execution.runbook)
      tried.push(`Runbook ${execution.runbook.runbookId}: ${execution.runbook.status} (${execution.runbook.summary})`);
  }
  if (fulfilment && fulfilment.status !== 'not_a_request')
    tried.push(`Request fulfilment: ${fulfilment.status}${fulfilment.summary ? ` (${fulfilment.summary})` : ''}`);
  for (const entry of incident.timeline) {
    if (entry.type === 'approval.decided' || entry.type === 'incident.escalated' || entry.type === 'incident.flagged')
      tried.push(entry.summary);
  }
  return [...new Set(tried)];
}

/**
 * Builds the handoff packet: why a person takes over and who (the routing decision), the incident's history,
 * the reporter's sentiment trend, triage's reasoning, evidence from the logs, blast radius and suspect changes,
 * knowledge, what was tried, how confident Lumos is, and suggested next steps. Works from whatever the
 * enrichment agents left on the incident; missing agents leave their section out.
 */
export function buildHandoffPacket(
  incident: Incident,
  outcome: HandoffOutcome | undefined,
  routing: (Pick<RoutingDecision, 'group' | 'assignee' | 'summary'> & { reason?: string }) | undefined,
  at: Date,
): HandoffPacket {
  const reason = handoffReason(incident, outcome);
  const diagnosis = diagnosisOf(incident.agents.diagnosis);
  const sentiment = agentResult(incident, 'Sentiment');
  const logs = agentResult(incident, 'LogAnalysis');
  const dependency = agentResult(incident, 'Dependency');
  const triage = incident.triage;
  const knowledge = (incident.knowledge?.articles ?? [])
    .slice(0, 3)
    .map(({ articleId, title, score }) => ({ articleId, title, score }));

  const confidences = [triage?.confidence, logs?.confidence, dependency?.confidence].filter(
    (c): c is number => typeof c === 'number',
  );
  // The diagnosis, when there is one, is what Lumos is sure of; else triage carries it and the evidence agents
  // can only temper it, so triage counts double.
  const confidence = diagnosis
    ? diagnosis.confidence
    : triage
      ? Math.round(
          ((triage.confidence * 2 + confidences.slice(1).reduce((a, b) => a + b, 0)) / (confidences.length + 1)) * 100,
        ) / 100
      : 0;

  const evidence = logs
    ? {
        summary: logs.summary,
        anomalies: (logs.anomalies ?? [])
          .slice(0, 3)
          .map((a) => `${a.kind} ${a.description} (${a.count}x${a.ratio ? `, ${a.ratio.toFixed(1)}x baseline` : ''})`),
        ...(logs.confidence !== undefined ? { confidence: logs.confidence } : {}),
      }
    : undefined;
  const suspects = (dependency?.suspects ?? [])
    .slice(0, 3)
    .map((s) => `${s.component}: ${s.reasons.join(', ')}${s.changeIds.length ? ` [${s.changeIds.join(', ')}]` : ''}`);
  const blastRadius = dependency
    ? {
        summary: dependency.summary,
        ...(dependency.blastRadius ? { components: dependency.blastRadius.components } : {}),
        highCriticality: dependency.blastRadius?.highCriticality ?? [],
        owners: dependency.blastRadius?.owners ?? [],
        suspects,
      }
    : undefined;

  const nextSteps: string[] = [];
  const top = diagnosis?.hypotheses[0];
  if (top && top.failureMode !== 'unknown')
    nextSteps.push(
      `Check the top hypothesis, ${top.failureMode} on ${top.component}${top.confirm[0] ? `: ${top.confirm[0]}` : '.'}`,
    );
  const proposal = read(Plan, incident.agents.plan)?.proposal;
  if (proposal) {
    const parameters = Object.entries(proposal.runbook.parameters)
      .filter(([name]) => name !== 'incidentId')
      .map(([name, value]) => `${name}=${value}`)
      .join(', ');
    nextSteps.push(
      `Carry out the proposed fix, runbook ${proposal.runbook.id} ("${proposal.runbook.title}") on ${proposal.target}${
        parameters ? ` (${parameters})` : ''
      }: Lumos may not run it itself (${proposal.because.join('; ') || 'policy'}).`,
    );
  }
  const execution = read(Execution, incident.agents.execution);
  if (execution?.runbook && execution.runbook.status !== 'succeeded') {
    nextSteps.push(
      `Runbook ${execution.runbook.runbookId} ended ${execution.runbook.status}: check the service before running anything again.`,
    );
  }
  if (outcome === 'rejected')
    nextSteps.push('The planned response was rejected: decide on another course and record it on the ticket.');
  if (incident.knowledge?.suggestedResolution) {
    // The full text is under Knowledge; the step names its first line only.
    const first = incident.knowledge.suggestedResolution.split('\n')[0]!.trim();
    nextSteps.push(
      `Try the suggested resolution (under Knowledge): ${first.length > 160 ? `${first.slice(0, 159)}…` : first}`,
    );
  }
  if (suspects[0]) nextSteps.push(`Review the most suspect recent change: ${suspects[0]}.`);
  if (logs?.anomalies?.[0])
    nextSteps.push(
      `Look at the top log anomaly in ${logs.service ?? incident.service ?? 'the service'}: ${logs.anomalies[0].description}.`,
    );
  if (knowledge[0]) nextSteps.push(`Read "${knowledge[0].title}" (${knowledge[0].articleId}).`);
  if (sentiment?.escalation?.recommendation === 'offer-callback')
    nextSteps.push('Offer the reporter a call: their messages are getting more frustrated.');
  if (sentiment?.escalation?.recommendation === 'assign-senior-agent')
    nextSteps.push('Have a senior agent reply to the reporter.');
  if (triage && triage.confidence < 0.6)
    nextSteps.push(
      `Confirm the priority (${triage.priority}) and category (${triage.category}): triage was only ${pct(triage.confidence)} sure.`,
    );
  if (nextSteps.length === 0)
    nextSteps.push('Reproduce the problem with the reporter and record what you find on the ticket.');

  const history = incident.timeline.slice(-15).map(({ at: when, actor, summary }) => ({ at: when, actor, summary }));
  const to = routing
    ? { group: routing.group, ...(routing.assignee ? { assignee: routing.assignee } : {}) }
    : undefined;
  const owner = incident.facts?.owningTeam;
  const reassigned =
    reason !== undefined && to && owner && owner !== to.group
      ? { from: owner, to: to.group, because: routing?.reason ?? 'routing chose another team for the handoff' }
      : undefined;
  const headline = `${incident.priority} ${triage?.category ?? 'unclassified'} incident ${incident.externalId}: ${incident.title}`;
  const packet: Omit<HandoffPacket, 'text'> = {
    needed: reason !== undefined,
    personNeeded: reason !== undefined,
    reason:
      reason ??
      (agentResult(incident, 'Fulfilment')?.status === 'fulfilled'
        ? 'request fulfilled and checked; no person needs to take over'
        : 'recovery verified; no person needs to take over'),
    ...(to ? { to } : {}),
    ...(reassigned ? { reassigned } : {}),
    headline,
    ...(diagnosis ? { diagnosis: diagnosisDigest(diagnosis) } : {}),
    history,
    ...(sentiment
      ? {
          sentiment: {
            current: sentiment.current,
            trend: sentiment.trendLabel,
            summary: sentiment.summary,
            ...(sentiment.escalation?.raised ? { escalation: sentiment.escalation.reasons.join('; ') } : {}),
          },
        }
      : {}),
    ...(triage
      ? {
          triage: {
            priority: triage.priority,
            category: triage.category,
            confidence: triage.confidence,
            rationale: triage.rationale,
          },
        }
      : {}),
    ...(evidence ? { evidence } : {}),
    ...(blastRadius ? { blastRadius } : {}),
    knowledge,
    ...(incident.knowledge?.suggestedResolution ? { suggestedResolution: incident.knowledge.suggestedResolution } : {}),
    actionsTried: actionsTried(incident),
    confidence,
    nextSteps,
    builtAt: at.toISOString(),
  };
  return { ...packet, text: renderHandoff(incident, packet) };
}

function diagnosisDigest(diagnosis: Diagnosis): NonNullable<HandoffPacket['diagnosis']> {
  const top = diagnosis.hypotheses[0];
  return {
    summary: diagnosis.summary,
    confidence: diagnosis.confidence,
    hypotheses: describeHypotheses(diagnosis),
    confirm: top?.confirm ?? [],
    ruleOut: top?.ruleOut ?? [],
  };
}

/** The packet as a work note: short sections, headings and bullets (rendered as ADF in Jira). */
export function renderHandoff(incident: Incident, packet: Omit<HandoffPacket, 'text'>): string {
  const lines: string[] = [`## Lumos handoff: ${packet.reason}`];
  if (packet.to) {
    const who = packet.to.assignee
      ? `, on call: ${packet.to.assignee.name}${packet.to.assignee.until ? ` (until ${packet.to.assignee.until})` : ''}`
      : '';
    lines.push(`**Take over:** ${packet.to.group}${who}`);
  }
  if (packet.reassigned)
    lines.push(
      `**Reassigned** from ${packet.reassigned.from} to ${packet.reassigned.to}: ${packet.reassigned.because}`,
    );
  const service = incident.facts?.service ?? incident.service;
  lines.push(`**Incident:** ${packet.headline}${service ? ` (service ${service})` : ''}`);
  lines.push(`**Lumos confidence:** ${pct(packet.confidence)}`);
  const section = (title: string, body: string[]) => {
    if (body.length) lines.push('', `## ${title}`, ...body);
  };
  section(
    'Diagnosis',
    packet.diagnosis
      ? [
          `${packet.diagnosis.summary} (${pct(packet.diagnosis.confidence)} confident)`,
          ...packet.diagnosis.hypotheses.map((h) => `- ${h}`),
          ...(packet.diagnosis.confirm.length ? [`- To confirm: ${packet.diagnosis.confirm.join(' ')}`] : []),
          ...(packet.diagnosis.ruleOut.length ? [`- Rules it out: ${packet.diagnosis.ruleOut.join(' ')}`] : []),
        ]
      : [],
  );
  section(
    'Triage reasoning',
    packet.triage
      ? [
          `${packet.triage.priority} ${packet.triage.category}, ${pct(packet.triage.confidence)} sure: ${packet.triage.rationale}`,
        ]
      : [],
  );
  section(
    'Sentiment',
    packet.sentiment
      ? [
          `${packet.sentiment.trend} (now ${packet.sentiment.current.toFixed(2)}): ${packet.sentiment.summary}`,
          ...(packet.sentiment.escalation ? [`- Escalation: ${packet.sentiment.escalation}`] : []),
        ]
      : [],
  );
  section(
    'Evidence from logs',
    packet.evidence ? [packet.evidence.summary, ...packet.evidence.anomalies.map((a) => `- ${a}`)] : [],
  );
  section(
    'Blast radius',
    packet.blastRadius
      ? [
          packet.blastRadius.summary,
          ...(packet.blastRadius.highCriticality.length
            ? [`- Critical dependents: ${packet.blastRadius.highCriticality.join(', ')}`]
            : []),
          ...(packet.blastRadius.owners.length ? [`- Owners to inform: ${packet.blastRadius.owners.join(', ')}`] : []),
          ...packet.blastRadius.suspects.map((s) => `- Suspect: ${s}`),
        ]
      : [],
  );
  section('Knowledge', [
    ...packet.knowledge.map((k) => `- ${k.title} (${k.articleId}, score ${k.score.toFixed(2)})`),
    ...(packet.suggestedResolution ? [`Suggested resolution: ${packet.suggestedResolution}`] : []),
  ]);
  section(
    'Actions tried',
    packet.actionsTried.map((a) => `- ${a}`),
  );
  section(
    'Suggested next steps',
    packet.nextSteps.map((s) => `- ${s}`),
  );
  section(
    'History',
    packet.history.map((h) => `- ${h.at.slice(11, 19)} ${h.actor}: ${h.summary}`),
  );
  return lines.join('\n');
}
