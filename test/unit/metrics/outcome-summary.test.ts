import { durationStats, rateStats, summarizeOutcomes } from '../../../lambdas/metrics/outcome-summary';
import { approvedByPerson, at, autoResolved, entry, incident } from './incident-fixtures';

const window = { from: new Date(at(-3600)), to: new Date(at(7200)), now: new Date(at(7200)) };

describe('summarizeOutcomes', () => {
  it('splits MTTR and the auto-resolution rate between AI and people', () => {
    const summary = summarizeOutcomes([autoResolved(), autoResolved(), approvedByPerson()], window);
    expect(summary.incidents).toMatchObject({ total: 3, resolved: 3, open: 0 });
    expect(summary.metrics.mttr.ai).toEqual({ count: 2, mean: 600, p50: 600, p90: 600 });
    expect(summary.metrics.mttr.human).toEqual({ count: 1, mean: 1800, p50: 1800, p90: 1800 });
    expect(summary.metrics.mttr.all.count).toBe(3);
    expect(summary.metrics.autoResolutionRate.all).toEqual({ numerator: 2, denominator: 3, rate: 0.667 });
    expect(summary.metrics.autoResolutionRate.human).toEqual({ numerator: 1, denominator: 3, rate: 0.333 });
    expect(summary.metrics.approvalLatency.human).toEqual({ count: 1, mean: 120, p50: 120, p90: 120 });
    expect(summary.metrics.approvalLatency.ai.count).toBe(2);
  });

  it('rates escalations, overrides and reopens against their own bases', () => {
    const reopened = autoResolved();
    reopened.timeline.push(entry(900, 'intake', 'incident.reopened'));
    const flagged = incident([entry(5, 'system', 'incident.flagged')], { status: 'needs_human' });
    const summary = summarizeOutcomes([reopened, autoResolved(), approvedByPerson('rejected'), flagged], window);
    expect(summary.metrics.escalationRate.all).toEqual({ numerator: 2, denominator: 4, rate: 0.5 });
    expect(summary.metrics.escalationRate.ai.numerator).toBe(1);
    expect(summary.metrics.escalationRate.human.numerator).toBe(1);
    // 3 triaged + 1 decided plan = 4 AI decisions, 1 reversed (the rejected plan).
    expect(summary.metrics.overrideRate.human).toEqual({ numerator: 1, denominator: 4, rate: 0.25 });
    expect(summary.metrics.reopenRate.ai).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(summary.metrics.reopenRate.human.denominator).toBe(0);
    expect(summary.metrics.reopenRate.human.rate).toBeNull();
  });

  it('leaves incidents opened outside the window out, but still sees their recurrence', () => {
    const before = autoResolved({ fingerprint: 'same' }, -7200);
    const inside = autoResolved({ fingerprint: 'same' }, 0);
    const summary = summarizeOutcomes([inside, before], window);
    expect(summary.incidents.total).toBe(1);
    expect(summary.metrics.reopenRate.all.numerator).toBe(0);
    const wide = summarizeOutcomes([inside, before], { ...window, from: new Date(at(-10_000)) });
    expect(wide.metrics.reopenRate.all).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
  });

  it('answers an empty window with zero counts and null figures, never NaN', () => {
    const summary = summarizeOutcomes([], window);
    expect(summary.metrics.mtta.all).toEqual({ count: 0, mean: null, p50: null, p90: null });
    expect(summary.metrics.autoResolutionRate.all.rate).toBeNull();
    expect(JSON.stringify(summary)).not.toContain('NaN');
  });

  it('builds one daily point per day of the window with resolutions by handler', () => {
    const summary = summarizeOutcomes([autoResolved(), approvedByPerson()], window);
    expect(summary.daily.map((d) => d.date)).toEqual(['2026-11-02']);
    expect(summary.daily[0]).toMatchObject({
      opened: 2,
      resolved: { ai: 1, human: 1 },
      mttr: { ai: 600, human: 1800 },
    });
  });
});

describe('stats helpers', () => {
  it('uses nearest-rank percentiles', () => {
    expect(durationStats([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual({ count: 10, mean: 5.5, p50: 5, p90: 9 });
  });

  it('gives a null rate for an empty base', () => {
    expect(rateStats(0, 0)).toEqual({ numerator: 0, denominator: 0, rate: null });
  });
});

describe('outcome classes in the metrics', () => {
  it('measures time to mitigation and the autonomous-resolution rate by outcome class, leaving self-recovery out', () => {
    const selfRecovered = incident([entry(300, 'intake', 'incident.resolved', 'cloudwatch reported recovery')], {
      kind: 'alert',
      source: 'cloudwatch',
      status: 'resolved',
    });
    const stillOpen = incident([entry(20, 'triage', 'agent.triage')], {
      status: 'in_progress',
      agents: { verification: { status: 'not-recovered', summary: 'still 503' } },
    });
    const summary = summarizeOutcomes([autoResolved(), approvedByPerson(), selfRecovered, stillOpen], window);
    expect(summary.outcomeClasses).toEqual({
      'agent-mitigated': 1,
      'human-resolved': 1,
      'self-recovered': 1,
      open: 1,
    });
    expect(summary.metrics.timeToMitigation.ai).toEqual({ count: 1, mean: 600, p50: 600, p90: 600 });
    expect(summary.metrics.autonomousResolutionRate.all).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    // A self-recovered incident counts in MTTR overall but for neither Lumos nor people.
    expect(summary.metrics.mttr.all.count).toBe(3);
    expect(summary.metrics.mttr.ai.count + summary.metrics.mttr.human.count).toBe(2);
  });

  it('keeps a stored outcome class, and classifies again an incident people closed after the workflow left it open', () => {
    const closedLater = approvedByPerson('approved', {
      outcome: { class: 'open', personNeeded: true, reason: 'recovery not verified' },
      agents: { plan: { requiresApproval: true }, diagnosis: { status: 'ok' } },
    });
    const summary = summarizeOutcomes([closedLater], window);
    expect(summary.outcomeClasses).toEqual({ 'agent-assisted': 1 });
  });
});
