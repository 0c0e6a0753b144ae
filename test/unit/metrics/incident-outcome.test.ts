import { incidentOutcome, recurrences } from '../../../lambdas/metrics/incident-outcome';
import { approvedByPerson, at, autoResolved, entry, incident } from './incident-fixtures';

describe('incidentOutcome', () => {
  it('credits acknowledgement, first response and resolution to the AI when no person acted', () => {
    const outcome = incidentOutcome(autoResolved());
    expect(outcome.acknowledged).toEqual({ at: at(30), seconds: 30, by: 'ai' });
    expect(outcome.firstResponse).toEqual({ at: at(60), seconds: 60, by: 'ai' });
    expect(outcome.resolved).toEqual({ at: at(600), seconds: 600, by: 'ai' });
    expect(outcome.autoApproved).toBe(true);
    expect(outcome.escalated).toBeUndefined();
    expect(outcome.open).toBe(false);
  });

  it('attributes the resolution to a person once a person decided on the plan, and measures approval latency', () => {
    const outcome = incidentOutcome(approvedByPerson());
    expect(outcome.resolved?.by).toBe('human');
    expect(outcome.approval).toEqual({
      requestedAt: at(50),
      decidedAt: at(170),
      latencySeconds: 120,
      outcome: 'approved',
    });
    expect(outcome.autoApproved).toBe(false);
    expect(outcome.firstResponse).toEqual({ at: at(50), seconds: 50, by: 'ai' });
  });

  it('counts a rejected plan as a person overriding an AI decision', () => {
    const outcome = incidentOutcome(approvedByPerson('rejected'));
    expect(outcome.approval?.outcome).toBe('rejected');
    expect(outcome.humanOverrides).toBe(1);
    expect(outcome.aiDecisions).toBe(2);
    expect(outcome.overrides).toEqual([{ at: at(170), by: 'human' }]);
    expect(outcome.escalated).toEqual({ at: expect.any(String), by: 'human', reason: 'status needs_human' });
  });

  it('acknowledges by a person when a person acted before triage finished', () => {
    const outcome = incidentOutcome(
      incident([entry(10, 'human:bob', 'comment.added', 'looking at it'), entry(40, 'triage', 'agent.triage')]),
    );
    expect(outcome.acknowledged).toEqual({ at: at(10), seconds: 10, by: 'human' });
    expect(outcome.firstResponse?.by).toBe('human');
  });

  it('tells an escalation Lumos decided on from one people let happen', () => {
    const flagged = incidentOutcome(
      incident([entry(5, 'system', 'incident.flagged', 'Needs a person: Triage failed')], { status: 'needs_human' }),
    );
    const timedOut = incidentOutcome(
      incident(
        [entry(50, 'planner', 'approval.requested'), entry(650, 'system', 'incident.escalated', 'No decision in time')],
        {
          status: 'escalated',
        },
      ),
    );
    expect(flagged.escalated).toEqual({ at: at(5), by: 'ai', reason: 'Needs a person: Triage failed' });
    expect(timedOut.escalated?.by).toBe('human');
    expect(timedOut.approval?.outcome).toBe('pending');
  });

  it('sees a priority a person changed after triage as an override, and triage changing the source priority as the AI overriding', () => {
    const outcome = incidentOutcome(
      incident(
        [
          entry(30, 'triage', 'agent.triage'),
          entry(300, 'intake', 'incident.updated', 'servicenow changed priority P2 -> P3'),
        ],
        {
          severity: { impact: 1, urgency: 1 },
          triage: { priority: 'P2', category: 'network', assignmentGroup: 'netops', confidence: 0.9, rationale: 'r' },
        },
      ),
    );
    expect(outcome.sourceSetPriority).toBe(true);
    expect(outcome.aiOverrodeSource).toBe(true);
    expect(outcome.overrides).toEqual([
      { at: at(300), by: 'human' },
      { at: at(30), by: 'ai' },
    ]);
  });

  it('marks activity from the source after resolution as a reopen', () => {
    const base = autoResolved();
    const outcome = incidentOutcome({
      ...base,
      timeline: [...base.timeline, entry(900, 'intake', 'signal.refired', 'fired again')],
    });
    expect(outcome.reopened).toBe(true);
    expect(outcome.reopenedAt).toBe(at(900));
  });

  it('counts SLA breaches from the timeline', () => {
    const outcome = incidentOutcome(
      incident([entry(3600, 'sla', 'sla.breached'), entry(900, 'sla', 'sla.no_progress')], { priority: 'P1' }),
    );
    expect(outcome.slaBreaches).toBe(2);
    expect(outcome.open).toBe(true);
  });

  it('finds an incident whose fingerprint came back within the window as recurred', () => {
    const first = autoResolved({ fingerprint: 'disk-full-db1' });
    const again = autoResolved({ fingerprint: 'disk-full-db1' }, 3600);
    const late = autoResolved({ fingerprint: 'disk-full-db1' }, 3600 * 24 * 10);
    const recurred = recurrences([first, again, late].map(incidentOutcome), 72);
    expect([...recurred]).toEqual([first.incidentId]);
  });
});
