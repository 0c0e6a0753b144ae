import type { Incident, TimelineEntry } from '../../../lambdas/core/incident';

export const T0 = Date.parse('2026-11-02T09:00:00.000Z');

/** An ISO time `seconds` after T0. */
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

export const entry = (
  seconds: number,
  actor: string,
  type: string,
  summary = type,
  data?: Record<string, unknown>,
): TimelineEntry => ({
  at: at(seconds),
  actor,
  type,
  summary,
  ...(data ? { data } : {}),
});

let counter = 0;

/** An incident opened at `openedAt` seconds after T0 with the given later timeline entries. */
export function incident(entries: TimelineEntry[], overrides: Partial<Incident> = {}, openedAt = 0): Incident {
  counter += 1;
  const timeline = [entry(openedAt, 'intake', 'incident.created', 'opened', { initialPriority: 'P3' }), ...entries];
  return {
    incidentId: `inc-${counter}`,
    source: 'servicenow',
    kind: 'ticket',
    externalId: `INC00${counter}`,
    fingerprint: `fp-${counter}`,
    title: 'Checkout is slow',
    description: '',
    status: 'triaged',
    priority: 'P3',
    severity: {},
    labels: {},
    agents: {},
    timeline,
    createdAt: at(openedAt),
    updatedAt: timeline[timeline.length - 1]!.at,
    ...overrides,
  };
}

/**
 * Triaged by the agent 30 s in, a plan executed autonomously 60 s in, its recovery verified and the incident resolved
 * 600 s in (outcome class agent-mitigated).
 */
export const autoResolved = (overrides: Partial<Incident> = {}, openedAt = 0) =>
  incident(
    [
      entry(openedAt + 30, 'triage', 'agent.triage', 'P3 network -> netops (confidence 0.9)'),
      entry(openedAt + 45, 'planner', 'plan.created', '1 actions, low risk, runs autonomously'),
      entry(openedAt + 60, 'executor', 'plan.executed', 'ran restart-service'),
      entry(openedAt + 600, 'intake', 'incident.resolved', 'servicenow reported recovery'),
    ],
    {
      status: 'resolved',
      agents: {
        plan: { requiresApproval: false },
        verification: { status: 'recovered', summary: 'post-checks pass', verifiedAt: at(openedAt + 600) },
      },
      ...overrides,
    },
    openedAt,
  );

/** Triaged, approval requested, approved by a person after 120 s, executed, resolved at 1800 s. */
export const approvedByPerson = (decision: 'approved' | 'rejected' = 'approved', overrides: Partial<Incident> = {}) =>
  incident(
    [
      entry(20, 'triage', 'agent.triage'),
      entry(40, 'planner', 'plan.created', '1 actions, medium risk, needs approval'),
      entry(50, 'planner', 'approval.requested', 'medium-risk plan awaits 1 approval(s)'),
      entry(170, 'human:alice', 'approval.decided', `${decision} by alice`),
      ...(decision === 'approved'
        ? [entry(180, 'executor', 'plan.executed'), entry(1800, 'intake', 'incident.resolved')]
        : [entry(175, 'system', 'workflow.completed', 'Workflow finished: rejected')]),
    ],
    {
      status: decision === 'approved' ? 'resolved' : 'needs_human',
      agents: { plan: { requiresApproval: true }, approval: { status: decision } },
      ...overrides,
    },
  );
