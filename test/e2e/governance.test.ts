import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { eventually, freePort, type LocalLumos, sign, startLocalLumos } from '../support/local-runtime';
import { CRASH_LOOP, serviceLogsDir } from '../support/service-logs';

const projectRoot = resolve(__dirname, '..', '..');
const secret = 'e2e-governance-secret';
const requester = 'sam.requester@example.com';
const approvers = ['ana.approver@example.com', 'ben.approver@example.com'];

/** A service the runbooks act on: unhealthy until restarted through its admin endpoint. */
interface FakeService {
  healthy: boolean;
  restarts: number;
}

function startTargets(): Promise<{ server: Server; url: string; services: Map<string, FakeService> }> {
  const services = new Map<string, FakeService>();
  const server = createServer((req, res) => {
    const [, , name, ...rest] = (req.url ?? '').split('/');
    const service = services.get(name ?? '') ?? { healthy: false, restarts: 0 };
    services.set(name ?? '', service);
    const path = `/${rest.join('/')}`;
    req.resume();
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(service.healthy ? 200 : 503).end(service.healthy ? 'ok' : 'down');
    } else if (req.method === 'POST' && path === '/admin/restart') {
      service.restarts++;
      service.healthy = true;
      res.writeHead(202).end('{"restarting":true}');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, services }),
    ),
  );
}

/** A ServiceNow incident record the way the Table API sends it. */
function record(id: string, options: { title: string; service: string; impact: number; urgency: number }): string {
  return JSON.stringify({
    result: {
      sys_id: `e2e${id}${Date.now()}`,
      number: `INC9${id}`,
      short_description: options.title,
      description: `${options.title}. Reported by the monitoring team; customers are affected.`,
      impact: String(options.impact),
      urgency: String(options.urgency),
      state: '1',
      category: 'application',
      sys_mod_count: '0',
      sys_created_on: '2026-11-20 09:42:10',
      sys_updated_on: '2026-11-20 09:42:10',
      cmdb_ci: { value: `ci-${options.service}`, display_value: options.service },
      caller_id: { value: 'u-sam', display_value: requester },
    },
  });
}

interface Notification {
  channel: string;
  recipient: string;
  text: string;
  incidentId?: string;
  links?: { rel: string; href: string; method?: string }[];
  data?: Record<string, unknown>;
}

describe('governance, end to end on the local runtime', () => {
  let lumos: LocalLumos;
  let targets: Awaited<ReturnType<typeof startTargets>>;
  let dynamodbPort: number;

  beforeAll(async () => {
    targets = await startTargets();
    dynamodbPort = await freePort();
    const service = (name: string) => ({
      domain: 'commerce',
      environment: 'production',
      targets: { http: `${targets.url}/svc/${name}` },
    });
    const overrides = {
      tiers: {
        // The approver group is pinned so the test does not depend on which group triage picks.
        medium: {
          approverGroup: 'E2E Approvers',
          timeoutSeconds: 12,
          reminderBeforeSeconds: 5,
          heartbeatSeconds: 6,
          fallback: { action: 'escalate' },
        },
        high: {
          approverGroup: 'E2E Approvers',
          timeoutSeconds: 60,
          reminderBeforeSeconds: 10,
          heartbeatSeconds: 20,
          fallback: { action: 'escalate' },
        },
      },
      approverGroups: { 'E2E Approvers': [requester, ...approvers] },
      services: {
        'inventory-svc': service('inventory'),
        'catalog-svc': service('catalog'),
        'search-svc': service('search'),
      },
      freezes: [],
      sla: { P1: { resolveSeconds: 3600, trigger: { kind: 'no-progress', seconds: 4, action: 'notify-on-call' } } },
    };
    lumos = await startLocalLumos({
      LUMOS_WEBHOOK_SECRET_SERVICENOW: secret,
      LUMOS_DYNAMODB_PORT: String(dynamodbPort),
      LUMOS_GOVERNANCE_OVERRIDES: JSON.stringify(overrides),
      // The services crash-loop: their logs are the evidence the diagnosis (and so the restart runbook) rests on.
      LUMOS_LOGS_DIR: serviceLogsDir({
        'inventory-svc': CRASH_LOOP,
        'catalog-svc': CRASH_LOOP,
        'search-svc': CRASH_LOOP,
      }),
      LUMOS_TIMER_POLL_MS: '200',
      LUMOS_APPROVAL_LINK_KEY: 'e2e-approval-link-key',
    });
  }, 120_000);

  afterAll(async () => {
    await lumos?.stop();
    targets?.server.close();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${lumos.api}${path}`, init);
  const getJson = async <T>(path: string): Promise<T> => (await (await api(path)).json()) as T;

  async function open(id: string, title: string, service: string, impact = 2, urgency = 2): Promise<string> {
    const body = record(id, { title, service, impact, urgency });
    const response = await api('/webhooks/servicenow', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'X-Lumos-Signature': sign(secret, body) },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { incidentId: string }).incidentId;
  }

  // biome-ignore lint/suspicious/noExplicitAny: assertions walk the incident's JSON freely
  const incident = (id: string) => getJson<Record<string, any>>(`/incidents/${id}`);
  const notifications = async (incidentId: string) =>
    (await getJson<{ notifications: Notification[] }>(`/notifications?incidentId=${incidentId}`)).notifications;

  /** The approval message for one approver, once it was sent. */
  const approvalFor = (incidentId: string, approver: string) =>
    eventually(
      async () => (await notifications(incidentId)).find((n) => n.channel === 'approval' && n.recipient === approver),
      60_000,
      `an approval request to ${approver}`,
    );

  const link = (n: Notification, rel: string) => n.links!.find((l) => l.rel === rel)!;
  const follow = (n: Notification, rel: string) => fetch(link(n, rel).href, { method: link(n, rel).method });
  const statusOf = async (incidentId: string, wanted: string[]) =>
    eventually(
      async () => {
        const found = await incident(incidentId);
        return wanted.includes(found.status) ? found : undefined;
      },
      60_000,
      `incident ${incidentId} to reach ${wanted.join('/')}`,
    );

  it('waits for approval of a medium-risk runbook; the approve link resumes the workflow and the runbook runs', async () => {
    const id = await open('1', 'Inventory service not responding', 'inventory-svc');
    const message = await approvalFor(id, approvers[0]!);
    const waiting = await incident(id);
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.agents.plan).toMatchObject({ riskTier: 'medium', requiresApproval: true });
    expect(waiting.agents.plan.actions.map((a: { type: string }) => a.type)).toContain('run-runbook');
    expect(targets.services.get('inventory')?.restarts ?? 0).toBe(0);

    const pending = await getJson<{ approvals: { approvalId: string; incidentId: string; taskToken?: string }[] }>(
      '/approvals?status=pending',
    );
    const listed = pending.approvals.find((a) => a.incidentId === id);
    expect(listed).toBeDefined();
    expect(listed?.taskToken).toBeUndefined();

    // Opening the link (as a mail scanner would) only shows the request.
    const review = await follow(message, 'review');
    expect(review.status).toBe(200);
    expect(await review.json()).toMatchObject({
      request: { status: 'pending', riskTier: 'medium' },
      you: { approver: approvers[0], canDecide: true },
    });
    expect((await incident(id)).status).toBe('awaiting_approval');

    // The requester's own link is refused: segregation of duties.
    const own = await follow(await approvalFor(id, requester), 'approve');
    expect(own.status).toBe(403);
    expect(await own.json()).toMatchObject({ error: { code: 'segregation_of_duties' } });

    const approved = await follow(message, 'approve');
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ status: 'approved', resumed: true });

    // Approved, run, and the recovery verified: Lumos resolves the incident and says no person is needed.
    await statusOf(id, ['resolved', 'needs_human']);
    const done = await eventually(
      async () => {
        const found = await incident(id);
        return found.outcome ? found : undefined;
      },
      60_000,
      `the outcome of ${id}`,
    );
    expect(done.status).toBe('resolved');
    expect(done.agents.execution.runbook).toMatchObject({ runbookId: 'restart-service', status: 'succeeded' });
    expect(done.agents.verification).toMatchObject({ status: 'recovered' });
    expect(done.outcome).toMatchObject({ class: 'agent-mitigated', personNeeded: false });
    expect(done.agents.handoff).toMatchObject({ needed: false, personNeeded: false });
    expect(targets.services.get('inventory')).toMatchObject({ restarts: 1, healthy: true });

    // A second decision, by another approver or with the same link, changes nothing.
    const second = await follow(await approvalFor(id, approvers[1]!), 'reject');
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(/already approved/);
    expect((await follow(message, 'approve')).status).toBe(409);
  });

  it('ends without running anything when the approver rejects', async () => {
    const id = await open('2', 'Catalog service not responding', 'catalog-svc');
    const message = await approvalFor(id, approvers[1]!);
    const rejected = await fetch(link(message, 'approve').href.replace(/\?.*$/, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        decision: 'reject',
        token: new URL(link(message, 'review').href).searchParams.get('token'),
        comment: 'not during the sale',
      }),
    });
    expect(rejected.status).toBe(200);
    const ended = await statusOf(id, ['needs_human', 'in_progress']);
    expect(ended.status).toBe('needs_human');
    expect(ended.agents.execution).toBeUndefined();
    expect(targets.services.get('catalog')?.restarts ?? 0).toBe(0);
  });

  it('takes the safe fallback at the deadline: reminder, then escalation, nothing executed, late decisions 410', async () => {
    const id = await open('3', 'Search service not responding', 'search-svc');
    const message = await approvalFor(id, approvers[0]!);
    await eventually(
      async () => (await notifications(id)).find((n) => n.channel === 'approval' && n.data?.kind === 'reminder'),
      30_000,
      'a reminder before the deadline',
    );
    const escalated = await statusOf(id, ['escalated']);
    expect(escalated.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['approval.expired', 'incident.escalated']),
    );
    expect((await notifications(id)).some((n) => n.channel === 'page' && n.data?.kind === 'approval.escalation')).toBe(
      true,
    );
    expect(targets.services.get('search')?.restarts ?? 0).toBe(0);

    const late = await follow(message, 'approve');
    expect(late.status).toBe(410);
    expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(/expired/);
  });

  it('pages on-call when a P1 makes no progress within its (shortened) threshold', async () => {
    const id = await open('4', 'Checkout payments failing for all customers', 'checkout-api', 1, 1);
    const page = await eventually(
      async () => (await notifications(id)).find((n) => n.channel === 'page' && n.data?.kind === 'sla.no-progress'),
      30_000,
      'an on-call page for no progress',
    );
    expect(page.recipient).toBe('on-call');
    const found = await incident(id);
    expect(found.agents.sla).toMatchObject({ priority: 'P1', noProgressSeconds: 4 });
    expect(Date.parse(found.agents.sla.pages[0].at) - Date.parse(found.createdAt)).toBeGreaterThanOrEqual(4000);
  });

  it('verifies the audit trail, and reports a record altered directly in DynamoDB', async () => {
    const [first] = (
      await getJson<{ incidents: { incidentId: string; externalId: string }[] }>('/incidents')
    ).incidents.filter((i) => i.externalId === 'INC91');
    const id = first!.incidentId;
    const trail = await getJson<{ records: { seq: number; type: string }[] }>(`/incidents/${id}/audit`);
    expect(trail.records.map((r) => r.type)).toEqual(
      expect.arrayContaining([
        'agent.decision',
        'policy.evaluation',
        'approval.requested',
        'human.decision',
        'action.executed',
        'itsm.write',
      ]),
    );
    expect(await getJson(`/incidents/${id}/audit/verify`)).toMatchObject({ ok: true, problems: [] });

    const cli = (incidentId: string) =>
      spawnSync(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['bin/audit.ts', 'verify', incidentId], {
        cwd: projectRoot,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamodbPort}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          LUMOS_HOME: lumos.home,
        },
        encoding: 'utf8',
      });
    const intact = cli(id);
    expect(intact.stdout).toMatch(/^OK/);
    expect(intact.status).toBe(0);

    const dynamodb = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${dynamodbPort}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: 'lumos-audit',
        Key: { incidentId: { S: id }, seq: { N: '3' } },
        UpdateExpression: 'SET summary = :s',
        ExpressionAttributeValues: { ':s': { S: 'nothing to see here' } },
      }),
    );
    expect(await getJson(`/incidents/${id}/audit/verify`)).toMatchObject({
      ok: false,
      problems: [{ seq: 3, kind: 'edited' }],
    });
    const tampered = cli(id);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/TAMPERED[\s\S]*#3 edited/);
  });
});
