import * as z from 'zod';
import { agentStep } from '../../runtime/agent-step';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { agentResult } from '../agent-results';
import { type RoutingDecision, routeIncident, workloadOf } from '../escalation-routing/core';
import { teamsConfig } from '../escalation-routing/teams';
import { buildHandoffPacket, HandoffOutcome, handoffReason } from './core';

const Input = z.looseObject({ incidentId: z.string().min(1), outcome: HandoffOutcome.optional() });

/**
 * Workflow step `Handoff` (human handoff agent): when a person must take over, routes the incident again (the
 * on-call person may have changed since intake) and builds the handoff packet; kept under `agents.handoff`, it is
 * what `WriteBack` puts on the ticket. When Lumos finished the job itself the packet says so and nothing is routed.
 */
export const handler = agentStep({
  step: 'Handoff',
  input: Input,
  work: async (incident, _decision, { outcome }) => {
    let routing: Pick<RoutingDecision, 'group' | 'assignee' | 'summary'> | undefined = agentResult(
      incident,
      'EscalationRouting',
    ) as RoutingDecision | undefined;
    const now = clock().now();
    if (handoffReason(incident, outcome)) {
      const recent = await incidentStore().list({ limit: 500 });
      routing = await routeIncident(incident, teamsConfig(), workloadOf(recent, incident.incidentId), now);
    }
    const packet = buildHandoffPacket(incident, outcome, routing, now);
    return {
      result: { ...packet },
      summary: packet.needed
        ? `Handoff to ${packet.to?.group ?? 'a person'}${packet.to?.assignee ? ` (${packet.to.assignee.name})` : ''}: ${packet.reason}`
        : packet.reason,
      data: { needed: packet.needed, group: packet.to?.group ?? null, confidence: packet.confidence },
      output: { needed: packet.needed, group: packet.to?.group ?? null },
      method: 'handoff-packet',
    };
  },
});
