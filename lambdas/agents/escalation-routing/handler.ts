import { withOwningTeam } from '../../core/incident-facts';
import { agentStep } from '../../runtime/agent-step';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { optionalWebhookSecrets } from '../../runtime/ports/optional-webhook-secrets';
import { topology } from '../../runtime/ports/topology';
import { diagnosedCause, routeIncident, workloadOf } from './core';
import { PagerDutyOnCall } from './pagerduty-oncall';
import { teamsConfig } from './teams';

/** Incidents read to count open ones per group: the most recent ones are the open ones. */
const WORKLOAD_WINDOW = 500;

/** PagerDuty on-call, when the `pagerduty-api` secret holds an API token; otherwise the configured rotations. */
async function pagerDuty(): Promise<PagerDutyOnCall | undefined> {
  let token: string | undefined;
  try {
    // Resolving the port can itself throw (a function deployed without the secret): that means "no PagerDuty".
    token = await optionalWebhookSecrets().get('pagerduty-api');
  } catch {
    token = undefined;
  }
  return token ? new PagerDutyOnCall(token, process.env.PAGERDUTY_API_URL) : undefined;
}

/**
 * Workflow step `Route` (escalation routing agent): picks the team that takes the incident by skills, on-call
 * schedule and workload, and writes the summary they read first. Stored under `agents.routing`; the team becomes
 * the shared facts' owning team.
 */
export const handler = agentStep({
  step: 'EscalationRouting',
  work: async (incident) => {
    const recent = await incidentStore().list({ limit: WORKLOAD_WINDOW });
    // The graph only names owners here; without it the affected service's owner (from triage) stands.
    const nodes = await topology()
      .topology()
      .then((graph) => graph.nodes)
      .catch(() => []);
    const cause = diagnosedCause(incident, (component) => nodes.find((n) => n.id === component)?.owner);
    const decision = await routeIncident(
      incident,
      teamsConfig(),
      workloadOf(recent, incident.incidentId),
      clock().now(),
      await pagerDuty(),
      cause,
    );
    return {
      // Routing decides the owning team once; the shared facts carry it (and what it replaced, if anything).
      set: { facts: withOwningTeam(incident.facts, decision.group, `routing rule: ${decision.reason}`) },
      result: { ...decision },
      summary: `Routed to ${decision.group}${decision.assignee ? ` (on call: ${decision.assignee.name})` : ''}: ${decision.reason}`,
      data: { group: decision.group, assignee: decision.assignee?.email ?? null },
      output: { group: decision.group, assignee: decision.assignee?.name ?? null },
      method: 'skills-oncall-workload',
    };
  },
});
