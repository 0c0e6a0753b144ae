import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { eventually, type LocalLumos, sign, startLocalLumos } from '../support/local-runtime';

/** The parts of GET /incidents/{id} these tests read. */
interface IncidentView {
  triage: { category: string };
  knowledge: { articles: { articleId: string; title: string; score: number }[] };
  timeline: { actor: string }[];
  [key: string]: unknown;
}

const fixture = (path: string) => readFileSync(join(__dirname, '../fixtures', path), 'utf8');
const secret = 'e2e-servicenow-secret';

describe('the local runtime, end to end', () => {
  let lumos: LocalLumos;

  beforeAll(async () => {
    lumos = await startLocalLumos({ LUMOS_WEBHOOK_SECRET_SERVICENOW: secret });
  }, 120_000);

  afterAll(async () => {
    const code = await lumos?.stop();
    expect(code).toBe(0);
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${lumos.api}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  const triaged = (incidentId: string) =>
    eventually(
      async () => {
        const response = await fetch(`${lumos.api}/incidents/${incidentId}`);
        const incident = (await response.json()) as Partial<IncidentView> & { status: string };
        return incident.triage && incident.knowledge && !['new', 'triaging', 'triaged'].includes(incident.status)
          ? (incident as IncidentView)
          : undefined;
      },
      60_000,
      `incident ${incidentId} to be triaged`,
    );

  it('turns a signed ServiceNow webhook into a triaged incident with knowledge and a timeline', async () => {
    const body = fixture('servicenow/incident-created.json');
    const response = await post('/webhooks/servicenow', body, { 'X-Lumos-Signature': sign(secret, body) });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { incidentId: string; status: string };
    expect(answer.status).toBe('created');

    const incident = await triaged(answer.incidentId);
    expect(incident).toMatchObject({
      incidentId: answer.incidentId,
      source: 'servicenow',
      externalId: 'INC0012345',
      priority: 'P1',
      triage: {
        priority: 'P1',
        category: 'application',
        confidence: expect.any(Number),
        rationale: expect.any(String),
      },
    });
    expect(incident.knowledge.articles.length).toBeGreaterThan(0);
    expect(incident.knowledge.articles[0]).toEqual(
      expect.objectContaining({ articleId: expect.any(String), title: expect.any(String), score: expect.any(Number) }),
    );
    const actors = incident.timeline.map((entry: { actor: string }) => entry.actor);
    expect(actors).toEqual(expect.arrayContaining(['intake', 'triage', 'knowledge']));
  });

  it('answers a redelivery as duplicate without a second execution', async () => {
    const body = fixture('servicenow/incident-bare-minimal.json');
    const headers = { 'X-Lumos-Signature': sign(secret, body) };
    const first = (await (await post('/webhooks/servicenow', body, headers)).json()) as { incidentId: string };
    const again = await post('/webhooks/servicenow', body, headers);
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ status: 'duplicate', incidentId: first.incidentId });

    const sfn = new SFNClient({
      endpoint: lumos.sfnEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    expect(stateMachines?.map((sm) => sm.name)).toContain('lumos-incident');
    const { executions } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stateMachines![0]!.stateMachineArn }),
    );
    const incident = (await (await fetch(`${lumos.api}/incidents/${first.incidentId}`)).json()) as {
      executionArn: string;
    };
    expect(executions?.filter((e) => e.executionArn === incident.executionArn)).toHaveLength(1);
  });

  it('rejects a wrong signature with 401 and malformed JSON with 400, storing nothing', async () => {
    const before = ((await (await fetch(`${lumos.api}/incidents`)).json()) as { incidents: unknown[] }).incidents
      .length;
    const body = fixture('servicenow/incident-created.json');
    const wrong = await post('/webhooks/servicenow', body, { 'X-Lumos-Signature': sign('not-the-secret', body) });
    expect(wrong.status).toBe(401);
    const malformed = '{"result": {"sys_id": ';
    const bad = await post('/webhooks/servicenow', malformed, { 'X-Lumos-Signature': sign(secret, malformed) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const after = ((await (await fetch(`${lumos.api}/incidents`)).json()) as { incidents: unknown[] }).incidents.length;
    expect(after).toBe(before);
  });

  it('turns a CloudWatch alarm event into a triaged incident and resolves it on OK', async () => {
    const alarm = JSON.parse(fixture('cloudwatch/alarm.json'));
    const response = await post('/events', JSON.stringify(alarm));
    expect(response.status).toBe(202);
    const { incidentId, status } = (await response.json()) as { incidentId: string; status: string };
    expect(status).toBe('created');
    const incident = await triaged(incidentId);
    expect(incident).toMatchObject({ source: 'cloudwatch', priority: 'P2', triage: { category: 'database' } });

    const ok = {
      ...alarm,
      id: 'recovery-1',
      detail: { ...alarm.detail, state: { ...alarm.detail.state, value: 'OK' } },
    };
    const recovered = await post('/events', JSON.stringify(ok));
    expect(await recovered.json()).toMatchObject({ status: 'resolved', incidentId });
  });

  it('answers 404 for an unknown incident', async () => {
    expect((await fetch(`${lumos.api}/incidents/inc-nope`)).status).toBe(404);
  });
});
