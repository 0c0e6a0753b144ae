import { diagnosedCause, routeIncident, workloadOf } from '../../../lambdas/agents/escalation-routing/core';
import { PagerDutyOnCall } from '../../../lambdas/agents/escalation-routing/pagerduty-oncall';
import { parseTeamsConfig, teamsConfig } from '../../../lambdas/agents/escalation-routing/teams';
import type { Incident } from '../../../lambdas/core/incident';
import { incidentFrom } from './fixtures';

const WEDNESDAY_MORNING = new Date('2026-11-18T10:00:00Z'); // 11:00 in Berlin
const WEDNESDAY_NIGHT = new Date('2026-11-18T23:30:00Z');

function incident(category: string, priority: Incident['priority'], overrides: Partial<Incident> = {}): Incident {
  const base = incidentFrom('servicenow', { externalId: 'INC0010042', sysId: 'a'.repeat(32) });
  return { ...base, priority, triage: { ...base.triage!, category, priority }, ...overrides };
}

describe('escalation routing agent', () => {
  // The shipped roster with Identity & Access as a day-time team nobody covers at night, which the after-hours
  // cases below need whatever the shipped roster says.
  const shipped = teamsConfig();
  const { onCall: _covered, ...dayTeam } = shipped.teams['Identity & Access']!;
  const config: typeof shipped = { ...shipped, teams: { ...shipped.teams, 'Identity & Access': dayTeam } };

  it('gives a P3 to the owning team queue during its working hours', async () => {
    const decision = await routeIncident(incident('network', 'P3'), config, {}, WEDNESDAY_MORNING);
    expect(decision.group).toBe('Network Operations');
    expect(decision.assignee).toBeUndefined();
    expect(decision.reason).toMatch(/^Network Operations owns network incidents/);
    expect(decision.summary).toContain('Routed to Network Operations (team queue)');
  });

  it('gives the incident to the team that owns the affected service when the facts name one the roster knows', async () => {
    const facts = {
      service: 'orders-db',
      owningTeam: 'Database Administration',
      basis: { service: 'cmdb_ci', owningTeam: 'service graph owner' },
    };
    const decision = await routeIncident(incident('application', 'P3', { facts }), config, {}, WEDNESDAY_MORNING);
    expect(decision.group).toBe('Database Administration');
    expect(decision.reason).toMatch(/^Database Administration owns the affected service orders-db/);
    expect(decision.candidates.map((c) => c.group).slice(0, 2)).toEqual([
      'Database Administration',
      'Application Support',
    ]);
  });

  it('gives the incident to the team that owns the diagnosed cause when it lies on another component', async () => {
    const facts = { service: 'web-frontend', owningTeam: 'Application Support', basis: {} };
    const diagnosis = (component: string, confidence: number, failureMode = 'crash-loop') => ({
      status: 'ok',
      summary: 's',
      confidence,
      method: 'evidence-scoring',
      evidenceCounts: {},
      hypotheses: [{ rank: 1, component, failureMode, confidence, evidence: [], confirm: [], ruleOut: [] }],
    });
    const owners: Record<string, string> = {
      'redis-cache': 'Platform Engineering',
      'web-frontend': 'Application Support',
    };
    const ownerOf = (c: string) => owners[c];
    const confident = incident('application', 'P2', { facts, agents: { diagnosis: diagnosis('redis-cache', 0.7) } });
    const cause = diagnosedCause(confident, ownerOf);
    expect(cause).toEqual({ component: 'redis-cache', owner: 'Platform Engineering' });
    const decision = await routeIncident(confident, config, {}, WEDNESDAY_MORNING, undefined, cause);
    expect(decision.group).toBe('Platform Engineering');
    expect(decision.reason).toMatch(/^Platform Engineering owns redis-cache, the diagnosed cause/);

    // A weak diagnosis, an unknown cause or a cause on the affected service itself leave the service's owner.
    expect(
      diagnosedCause({ ...confident, agents: { diagnosis: diagnosis('redis-cache', 0.2) } }, ownerOf),
    ).toBeUndefined();
    expect(
      diagnosedCause({ ...confident, agents: { diagnosis: diagnosis('redis-cache', 0.7, 'unknown') } }, ownerOf),
    ).toBeUndefined();
    expect(
      diagnosedCause({ ...confident, agents: { diagnosis: diagnosis('web-frontend', 0.9) } }, ownerOf),
    ).toBeUndefined();
    expect(
      diagnosedCause({ ...confident, agents: { diagnosis: diagnosis('mystery-svc', 0.9) } }, ownerOf),
    ).toBeUndefined();
  });

  it('ignores a proposed owner the roster does not know and routes by category', async () => {
    const facts = { service: 'checkout-api', owningTeam: 'Team Nobody Staffs', basis: {} };
    const decision = await routeIncident(incident('network', 'P3', { facts }), config, {}, WEDNESDAY_MORNING);
    expect(decision.group).toBe('Network Operations');
    expect(decision.summary).toContain('Affected service: checkout-api.');
  });

  it('names the on-call person of the rotation for urgent incidents', async () => {
    const decision = await routeIncident(incident('network', 'P1'), config, {}, WEDNESDAY_MORNING);
    expect(decision.assignee).toMatchObject({
      name: 'Gita Rao',
      email: 'gita.rao@example.com',
      until: '2026-11-23T08:00:00.000Z',
      source: 'rotation',
    });
    expect(decision.summary).toContain('on call: Gita Rao until 2026-11-23T08:00:00.000Z');
  });

  it('passes an urgent incident at night from a team nobody covers to the next team with someone on call', async () => {
    const decision = await routeIncident(incident('access', 'P2'), config, {}, WEDNESDAY_NIGHT);
    expect(decision.group).toBe('Service Desk');
    expect(decision.assignee?.name).toBe('Noah Kim');
    expect(decision.reason).toContain('Identity & Access owns access but nobody is at work or on call for a P2');
    expect(decision.candidates[0]).toMatchObject({ group: 'Identity & Access', eligible: false, inHours: false });
  });

  it('leaves a P4 at night with the owning team for its next shift', async () => {
    const decision = await routeIncident(incident('access', 'P4'), config, {}, WEDNESDAY_NIGHT);
    expect(decision.group).toBe('Identity & Access');
    expect(decision.assignee).toBeUndefined();
  });

  it('moves work to the next suitable team when the owner is at capacity', async () => {
    const decision = await routeIncident(
      incident('database', 'P3'),
      config,
      { 'Database Administration': 4 },
      WEDNESDAY_MORNING,
    );
    expect(decision.group).toBe('Platform Engineering');
    expect(decision.reason).toContain('Database Administration is at capacity (4/4 open)');
  });

  it('sends categories nobody claims to the fallback group', async () => {
    const decision = await routeIncident(incident('printers', 'P3'), config, {}, WEDNESDAY_MORNING);
    expect(decision.group).toBe('Service Desk');
  });

  it('counts open incidents per group, without closed ones or the incident being routed', () => {
    const a = incident('network', 'P3', { incidentId: 'a' });
    const b = incident('network', 'P3', { incidentId: 'b', agents: { routing: { group: 'Platform Engineering' } } });
    const c = incident('network', 'P3', { incidentId: 'c', status: 'resolved' });
    const d = incident('network', 'P3', { incidentId: 'd' });
    expect(workloadOf([a, b, c, d], 'd')).toEqual({ 'Network Operations': 1, 'Platform Engineering': 1 });
  });

  it('asks PagerDuty for teams with a PagerDuty schedule, and falls back to the rotation when it fails', async () => {
    const withSchedule = parseTeamsConfig({
      ...config,
      teams: {
        ...config.teams,
        'Network Operations': {
          ...config.teams['Network Operations']!,
          onCall: { ...config.teams['Network Operations']!.onCall, pagerDutyScheduleId: 'PNET001' },
        },
      },
    });
    const requests: string[] = [];
    const pagerDuty = new PagerDutyOnCall('pd-token', 'https://pd.example', (async (url: string, init: RequestInit) => {
      requests.push(`${url} ${(init.headers as Record<string, string>).authorization}`);
      return new Response(
        JSON.stringify({
          oncalls: [
            {
              escalation_level: 1,
              end: '2026-11-19T08:00:00Z',
              user: { name: 'Pat Doe', email: 'pat.doe@example.com' },
            },
          ],
        }),
        { status: 200 },
      );
    }) as typeof fetch);
    const decision = await routeIncident(incident('network', 'P1'), withSchedule, {}, WEDNESDAY_MORNING, pagerDuty);
    expect(decision.assignee).toMatchObject({ name: 'Pat Doe', email: 'pat.doe@example.com', source: 'pagerduty' });
    expect(requests[0]).toMatch(
      /^https:\/\/pd\.example\/oncalls\?schedule_ids%5B%5D=PNET001&include%5B%5D=users.* Token token=pd-token$/,
    );

    const down = new PagerDutyOnCall(
      'pd-token',
      'https://pd.example',
      (async () => new Response('', { status: 503 })) as unknown as typeof fetch,
    );
    const fallback = await routeIncident(incident('network', 'P1'), withSchedule, {}, WEDNESDAY_MORNING, down);
    expect(fallback.assignee).toMatchObject({ name: 'Gita Rao', source: 'rotation' });
  });

  it('rejects a configuration whose skills name a team it does not define', () => {
    expect(() =>
      parseTeamsConfig({
        skills: { network: ['Ghost Team'] },
        fallbackGroup: 'Service Desk',
        teams: { 'Service Desk': { capacity: 1 } },
      }),
    ).toThrow(/group 'Ghost Team' has no team entry/);
  });
});
