import type { Incident, IncidentOutcome } from '../../core/incident';

interface StoredVerification {
  status?: string;
  summary?: string;
  verifiedAt?: string;
}
interface StoredFulfilment {
  status?: string;
  summary?: string;
  run?: { status?: string; finishedAt?: string };
}
interface StoredExecution {
  runbook?: { runbookId?: string; status?: string; finishedAt?: string; dryRun?: boolean };
}

const RESOLVED = new Set(['resolved', 'closed']);

/** Lumos changed something on a running system (a runbook really ran, whatever its result). */
function lumosActed(incident: Incident): boolean {
  const run = (incident.agents.execution as StoredExecution | undefined)?.runbook;
  return !!run && !run.dryRun && run.status !== 'planned' && run.status !== 'not_needed';
}

/** Lumos gave people something to work with beyond routing: a diagnosis, or an action it took. */
function lumosContributed(incident: Incident): boolean {
  const diagnosis = incident.agents.diagnosis as { status?: string } | undefined;
  return lumosActed(incident) || diagnosis?.status === 'ok';
}

/** When intake resolved the incident (an alarm's recovery, or the ticket resolved in the ITSM tool). */
const resolutionEntry = (incident: Incident) =>
  incident.timeline.find((e) => e.type === 'incident.resolved' || e.type === 'incident.closed');

/**
 * Classifies how an incident ended, for the outcome contract and the metrics. Rules, in order:
 * 1. verification `recovered` -> `agent-mitigated`, no person needed (mitigated and resolved when verified);
 * 2. verification `self-recovered` -> `self-recovered`, no person needed;
 * 3. a fulfilled request (its runbook's post-checks passed) -> `agent-mitigated`, no person needed;
 * 4. resolved otherwise: an alarm that recovered with no Lumos action -> `self-recovered`; resolved by people ->
 *    `agent-assisted` when Lumos acted or diagnosed, else `human-resolved` (a person was needed either way);
 * 5. anything else is `open` and needs a person.
 */
export function classifyOutcome(incident: Incident, now: Date): IncidentOutcome {
  const verification = incident.agents.verification as StoredVerification | undefined;
  const fulfilment = incident.agents.fulfilment as StoredFulfilment | undefined;
  const at = now.toISOString();
  if (verification?.status === 'recovered') {
    const when = verification.verifiedAt ?? at;
    return {
      class: 'agent-mitigated',
      personNeeded: false,
      mitigatedAt: when,
      resolvedAt: when,
      reason: `Lumos' remediation recovered the service, verified: ${verification.summary ?? 'post-checks pass'}`,
    };
  }
  if (verification?.status === 'self-recovered') {
    const resolved = resolutionEntry(incident);
    return {
      class: 'self-recovered',
      personNeeded: false,
      resolvedAt: resolved?.at ?? verification.verifiedAt ?? at,
      reason: `recovered on its own: ${verification.summary ?? 'the alarm resolved'}`,
    };
  }
  if (fulfilment?.status === 'fulfilled') {
    const when = fulfilment.run?.finishedAt ?? resolutionEntry(incident)?.at ?? at;
    return {
      class: 'agent-mitigated',
      personNeeded: false,
      mitigatedAt: when,
      resolvedAt: when,
      reason: `request fulfilled by its runbook, post-checks passed${fulfilment.summary ? ` (${fulfilment.summary})` : ''}`,
    };
  }
  if (RESOLVED.has(incident.status)) {
    const resolved = resolutionEntry(incident);
    const resolvedAt = resolved?.at ?? incident.updatedAt;
    if (incident.kind === 'alert' && resolved?.actor === 'intake' && !lumosActed(incident)) {
      return {
        class: 'self-recovered',
        personNeeded: false,
        resolvedAt,
        reason: `the alarm recovered without any action by Lumos (${resolved.summary})`,
      };
    }
    if (lumosContributed(incident)) {
      return {
        class: 'agent-assisted',
        personNeeded: true,
        resolvedAt,
        reason: 'resolved by people with what Lumos found or did',
      };
    }
    return { class: 'human-resolved', personNeeded: true, resolvedAt, reason: 'resolved by people' };
  }
  const why = verification?.summary
    ? `recovery not verified: ${verification.summary}`
    : 'no verified recovery; a person must take over';
  return { class: 'open', personNeeded: true, reason: why };
}
