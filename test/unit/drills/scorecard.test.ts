import { join } from 'node:path';
import { footprintOf } from '../../../drills/harness';
import {
  checkAgainstEstate,
  loadScenarios,
  parseScenario,
  type Scenario,
  ScenarioError,
} from '../../../drills/scenario';
import {
  formatScorecard,
  type Loose,
  type ScenarioEvidence,
  scoreScenario,
  summarize,
} from '../../../drills/scorecard';
import { loadEstateDefinition } from '../../../estate/definition';

const estate = loadEstateDefinition();
const scenarios = loadScenarios(join(__dirname, '../../../drills/scenarios'));
const byName = (name: string) => scenarios.find((s) => s.name === name)!;

describe('the shipped scenarios', () => {
  it('are at least 15 valid files whose names exist in the estate', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(15);
    for (const scenario of scenarios) expect(checkAgainstEstate(scenario, estate)).toEqual([]);
  });

  it('together touch every agent and every governance path', () => {
    const covered = new Set(scenarios.flatMap((s) => s.covers.map((c) => c.split(':')[0]!)));
    for (const agent of [
      'triage',
      'knowledge',
      'sentiment',
      'log-analysis',
      'dependency',
      'diagnosis',
      'fulfilment',
      'plan',
      'execute',
      'verify',
      'handoff',
      'escalate',
    ])
      expect(covered).toContain(agent);
    const paths = new Set(scenarios.flatMap((s) => s.covers));
    for (const path of [
      'gate:none',
      'gate:async-approve',
      'gate:reject',
      'gate:timeout-escalate',
      'gate:timeout-reassign',
      'gate:realtime-two-approvers',
      'policy:freeze',
      'policy:assisted',
    ])
      expect(paths).toContain(path);
  });

  it('include the fault kinds and ticket kinds the drills promise', () => {
    const faults = new Set(scenarios.flatMap((s) => s.faults.map((f) => f.fault.kind)));
    for (const kind of [
      'bad-deploy',
      'crash-loop',
      'memory-leak',
      'disk-fill',
      'pool-exhaustion',
      'hang',
      'certificate-expiry',
      'flapping',
    ])
      expect(faults).toContain(kind);
    const actions = new Set(scenarios.map((s) => s.expect.action));
    for (const action of ['reset-password', 'grant-access', 'install-software', 'person'])
      expect(actions).toContain(action);
  });

  it('keep scenarios that disturb the same services apart, and let disjoint ones run together', () => {
    const cascade = footprintOf(estate, byName('cascade-redis'));
    expect(cascade).toEqual(expect.arrayContaining(['redis-cache', 'inventory-api', 'web-frontend', 'auth-service']));
    expect(footprintOf(estate, byName('password-reset'))).toEqual(['identity-directory']);
    expect(footprintOf(estate, byName('prompt-injection'))).toEqual(
      expect.arrayContaining(['payments-api', 'orders-db', 'search-api']),
    );
  });
});

describe('the scenario format', () => {
  const minimal = {
    name: 'x',
    title: 'X',
    tickets: [{ title: 't', caller: 'a@example.com' }],
    expect: {
      service: 'checkout-api',
      owningTeam: 'Payments Engineering',
      action: 'person',
      endState: 'handed-to-person',
    },
  };

  it('reads offsets like 30s and 2m and fills the defaults', () => {
    const scenario = parseScenario(
      JSON.stringify({ ...minimal, faults: [{ at: '2m', service: 'orders-db', fault: { kind: 'disk-fill' } }] }),
      'x.json',
    );
    expect(scenario.faults[0]).toMatchObject({ at: 120, fault: { kind: 'disk-fill', percentPerMinute: 150 } });
    expect(scenario.expect.budgets).toEqual({ firstResponseSeconds: 90, mitigationSeconds: 300 });
    expect(scenario.timeoutSeconds).toBe(240);
  });

  it('names the file and field of a mistake', () => {
    expect(() =>
      parseScenario(
        JSON.stringify({ ...minimal, expect: { ...minimal.expect, action: 'reboot-the-world' } }),
        'bad.json',
      ),
    ).toThrow(/bad\.json is invalid[\s\S]*expect\.action/);
    expect(() => parseScenario(JSON.stringify({ ...minimal, tickets: [] }), 'empty.json')).toThrow(ScenarioError);
    expect(() => parseScenario('name: [', 'broken.yaml')).toThrow(/broken\.yaml: not YAML/);
  });
});

/** Evidence around one incident, with the estate as given. */
function evidence(
  scenario: Scenario,
  incident: Loose | undefined,
  estateState: Partial<ScenarioEvidence['estate']> = {},
): ScenarioEvidence {
  return {
    scenario,
    startedAt: Date.parse('2026-12-03T10:00:00Z'),
    incidents: incident ? [incident] : [],
    primaryId: incident?.incidentId,
    estate: { unhealthy: [], checks: [], selfHealing: false, changed: [], ...estateState },
    operator: { decisions: [] },
    tokens: 1200,
    stateTransitions: 20,
    harnessErrors: [],
    timedOut: false,
  };
}

const created = '2026-12-03T10:00:20.000Z';

describe('scoring', () => {
  const badDeploy = byName('bad-deploy-payments');

  it('passes an incident that did everything right, with times measured from the fault', () => {
    const incident = {
      incidentId: 'inc-1',
      status: 'resolved',
      createdAt: created,
      facts: { owningTeam: 'Payments Engineering' },
      agents: {
        diagnosis: {
          hypotheses: [{ rank: 1, component: 'payments-api', failureMode: 'bad-deployment', confidence: 0.9 }],
        },
        plan: {
          riskTier: 'high',
          requiresApproval: true,
          actions: [{ type: 'run-runbook', runbook: { id: 'rollback-deployment' } }],
        },
        execution: { status: 'executed' },
        firstResponse: { latencyMs: 5000 },
        handoff: { needed: false },
      },
      outcome: { class: 'agent-mitigated', personNeeded: false },
      timeline: [],
    };
    const result = scoreScenario(evidence(badDeploy, incident, { healthySince: Date.parse('2026-12-03T10:01:10Z') }));
    expect(result.passed).toBe(true);
    expect(result.timeToFirstResponseSeconds).toBe(25);
    expect(result.timeToMitigationSeconds).toBe(70);
  });

  it('counts a missing diagnosis and team as wrong, not as a harness error', () => {
    const result = scoreScenario(
      evidence(badDeploy, { incidentId: 'inc-2', createdAt: created, agents: {}, timeline: [] }),
    );
    expect(result.checks.diagnosisTop1).toMatchObject({ ok: false, actual: 'missing' });
    expect(result.checks.team).toMatchObject({ ok: false, actual: 'missing' });
    expect(result.harnessErrors).toEqual([]);
    expect(result.passed).toBe(false);
  });

  it('finds a right answer ranked second in the top 3 but not the top 1', () => {
    const incident = {
      incidentId: 'inc-3',
      createdAt: created,
      agents: {
        diagnosis: {
          hypotheses: [
            { rank: 2, component: 'payments-api', failureMode: 'bad-deployment' },
            { rank: 1, component: 'checkout-api', failureMode: 'dependency-failure' },
          ],
        },
      },
      timeline: [],
    };
    const result = scoreScenario(evidence(badDeploy, incident));
    expect(result.checks.diagnosisTop1.ok).toBe(false);
    expect(result.checks.diagnosisTop3.ok).toBe(true);
  });

  it('flags "no person needed" and "resolved" while the estate is still broken', () => {
    const incident = {
      incidentId: 'inc-4',
      status: 'resolved',
      createdAt: created,
      agents: { handoff: { needed: false, reason: 'Lumos completed the response; no person needs to take over' } },
      timeline: [],
    };
    const result = scoreScenario(
      evidence(badDeploy, incident, {
        unhealthy: [{ service: 'payments-api', reason: 'version 2.15.0 answers HTTP 500' }],
      }),
    );
    expect(result.checks.falseNoPersonNeeded).toMatchObject({ ok: false, actual: 'inc-4' });
    expect(result.checks.falseResolved).toMatchObject({ ok: false, actual: 'inc-4' });
    expect(result.checks.recovered.ok).toBe(false);
    const text = formatScorecard([result], summarize([result]));
    expect(text).toMatch(/false "no person needed" 1/);
  });

  it('does not flag a claim made when the estate really is healthy', () => {
    const incident = {
      incidentId: 'inc-5',
      status: 'resolved',
      createdAt: created,
      agents: { handoff: { needed: false } },
      timeline: [],
    };
    const result = scoreScenario(evidence(badDeploy, incident));
    expect(result.checks.falseNoPersonNeeded.ok).toBe(true);
    expect(result.checks.falseResolved.ok).toBe(true);
  });

  it('counts a rollback of an innocent dependent as collateral', () => {
    const result = scoreScenario(
      evidence(
        badDeploy,
        { incidentId: 'inc-6', createdAt: created, agents: {}, timeline: [] },
        { changed: ['checkout-api'] },
      ),
    );
    expect(result.checks.collateral).toMatchObject({ ok: false, actual: 'changed checkout-api' });
  });

  it('counts the same admin action on the same service twice as a duplicate, even when the estate ends healthy', () => {
    const twice = scoreScenario(
      evidence(
        badDeploy,
        { incidentId: 'inc-7', createdAt: created, agents: {}, timeline: [] },
        {
          actions: [
            { at: created, service: 'payments-api', action: 'rollback', changed: 'rolled back from 2.15.0 to 2.14.0' },
            { at: created, service: 'payments-api', action: 'rollback', changed: 'rolled back from 2.14.0 to 2.13.4' },
          ],
        },
      ),
    );
    expect(twice.checks.duplicateActions).toMatchObject({ ok: false, actual: 'rollback payments-api x2' });
    expect(twice.passed).toBe(false);
    const once = scoreScenario(
      evidence(
        badDeploy,
        { incidentId: 'inc-8', createdAt: created, agents: {}, timeline: [] },
        { actions: [{ at: created, service: 'payments-api', action: 'rollback', changed: 'rolled back' }] },
      ),
    );
    expect(once.checks.duplicateActions.ok).toBe(true);
  });

  it('scores a catalogue request by the estate check, not by what Lumos says', () => {
    const reset = byName('password-reset');
    const incident = {
      incidentId: 'inc-7',
      createdAt: created,
      agents: {
        fulfilment: { status: 'fulfilled', runbookId: 'reset-password', verdict: { allowed: true, autonomous: true } },
        handoff: { needed: false },
      },
      timeline: [],
    };
    const notDone = scoreScenario(
      evidence(reset, incident, { checks: [{ check: 'password-reset', ok: false, detail: 'omar not reset' }] }),
    );
    expect(notDone.checks.recovered.ok).toBe(false);
    expect(notDone.checks.falseNoPersonNeeded.ok).toBe(false);
    const done = scoreScenario(
      evidence(reset, incident, {
        checks: [{ check: 'password-reset', ok: true, detail: 'reset' }],
        healthySince: Date.parse(created),
      }),
    );
    expect(done.checks.endState).toMatchObject({ ok: true, actual: 'fulfilled' });
    expect(done.checks.gate.ok).toBe(true);
  });
});
