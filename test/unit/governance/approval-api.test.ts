import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import fc from 'fast-check';
import { requestApproval } from '../../../lambdas/governance/approvals/approval-service';
import { linkKeys } from '../../../lambdas/governance/approvals/link-keys';
import { resetGovernanceConfig } from '../../../lambdas/governance/governance-config';
import { gatePorts } from '../../../lambdas/governance/governance-deps';
import { resetGovernancePolicy } from '../../../lambdas/governance/policy/governance-policy';
import { loadRunbooks } from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { provideDependencies, resetDependencies } from '../../../lambdas/runtime/dependencies';
import { approvalDeadlines } from '../../../lambdas/workflow/deadlines';
import { planResponse } from '../../../lambdas/workflow/plan/core';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import {
  CapturingNotifier,
  ManualClock,
  MemoryApprovalStore,
  MemoryAuditTrail,
  MemoryScheduler,
  RecordingWorkflow,
  testPolicy,
  triagedIncident,
} from './fakes';

const OVERRIDES = {
  approverGroups: { Approvers: ['ana@example.com', 'ben@example.com'] },
  tiers: { medium: { approverGroup: 'Approvers' } },
  services: {
    'inventory-svc': { domain: 'commerce', environment: 'production', targets: { http: 'http://svc.local' } },
  },
  freezes: [],
};

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let approvalId: string;
let notifier: CapturingNotifier;

function event(
  method: string,
  path: string,
  options: { body?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
): APIGatewayProxyEvent {
  const segments = path.split('/').filter(Boolean);
  return {
    httpMethod: method,
    path,
    resource: path,
    body: options.body ?? null,
    isBase64Encoded: false,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: segments[1] ? { approvalId: segments[1] } : null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

const call = (e: APIGatewayProxyEvent) => handler(e, {} as Context);
const tokenOf = (approver: string) => new URL(notifier.to(approver)[0]!.links![0]!.href).searchParams.get('token')!;

beforeAll(async () => {
  process.env.LUMOS_GOVERNANCE_OVERRIDES = JSON.stringify(OVERRIDES);
  process.env.PUBLIC_BASE_URL = 'https://lumos.example.com';
  resetGovernanceConfig();
  resetGovernancePolicy();
  const clock = new ManualClock(new Date());
  const store = new MemoryIncidentStore();
  notifier = new CapturingNotifier();
  provideDependencies({
    store,
    approvals: new MemoryApprovalStore(),
    workflow: new RecordingWorkflow(),
    notifier,
    audit: new MemoryAuditTrail(clock),
    scheduler: new MemoryScheduler(),
    clock,
    approvalLinkKeys: { get: async (name) => (name === 'signingKey' ? 'k' : undefined) },
  });
  const incident = triagedIncident();
  await store.create(incident);
  const policy = testPolicy(OVERRIDES);
  const plan = await planResponse(incident, {
    policy,
    runbooks: loadRunbooks(`${__dirname}/../../../runbooks`).values(),
    deadlines: approvalDeadlines(policy.config, {}),
    at: new Date('2026-11-21T10:00:00Z'),
  });
  await store.update(incident.incidentId, { agents: { plan } });
  ({ approvalId } = await requestApproval(Object.assign(gatePorts(), { notifier, linkKeys }), {
    incidentId: incident.incidentId,
    taskToken: 'tt',
    actionHash: plan.actionHash,
  }));
  ({ handler } = (await import('../../../lambdas/governance/approvals/approval-api-handler')) as { handler: Handler });
});

afterAll(() => {
  delete process.env.LUMOS_GOVERNANCE_OVERRIDES;
  resetDependencies();
  resetGovernanceConfig();
  resetGovernancePolicy();
});

describe('the approvals API', () => {
  it('lists pending approvals without their task tokens, and rejects an unknown status filter', async () => {
    const listed = await call(event('GET', '/approvals', { query: { status: 'pending' } }));
    expect(listed.statusCode).toBe(200);
    const body = JSON.parse(listed.body) as { approvals: Record<string, unknown>[] };
    expect(body.approvals.map((a) => a.approvalId)).toEqual([approvalId]);
    expect(body.approvals[0]).not.toHaveProperty('taskToken');
    expect((await call(event('GET', '/approvals', { query: { status: 'maybe' } }))).statusCode).toBe(400);
  });

  it('shows the review page to a browser, and JSON otherwise; 401 without a token', async () => {
    const html = await call(
      event('GET', `/approvals/${approvalId}`, {
        query: { token: tokenOf('ana@example.com') },
        headers: { Accept: 'text/html' },
      }),
    );
    expect(html.headers?.['content-type']).toMatch(/text\/html/);
    expect(html.body).toContain('ana@example.com');
    expect(html.body).toContain('restart-service');
    expect((await call(event('GET', `/approvals/${approvalId}`))).statusCode).toBe(401);
  });

  it('answers malformed decisions with 400 naming the field', async () => {
    const badJson = await call(event('POST', `/approvals/${approvalId}/decision`, { body: '{"decision":' }));
    expect(badJson.statusCode).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ error: { code: 'invalid_json' } });
    const badDecision = await call(
      event('POST', `/approvals/${approvalId}/decision`, { body: JSON.stringify({ decision: 'maybe', token: 't' }) }),
    );
    expect(JSON.parse(badDecision.body)).toMatchObject({ error: { code: 'invalid_body', field: 'decision' } });
  });

  it('never answers bad input with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.constant('{"decision":"approve","token":"a.b"}')),
        fc.constantFrom(approvalId, 'apr-unknown', '%%'),
        async (body, id) => {
          const response = await call(event('POST', `/approvals/${id}/decision`, { body }));
          return response.statusCode >= 400 && response.statusCode < 500;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('decides with the documented JSON body, then answers a second decision with 409', async () => {
    const body = JSON.stringify({ decision: 'approve', token: tokenOf('ana@example.com'), comment: 'looks right' });
    const approved = await call(event('POST', `/approvals/${approvalId}/decision`, { body }));
    expect(approved.statusCode).toBe(200);
    expect(JSON.parse(approved.body)).toMatchObject({ status: 'approved', resumed: true });
    const second = await call(
      event('POST', `/approvals/${approvalId}/decision`, {
        query: { decision: 'reject', token: tokenOf('ben@example.com') },
      }),
    );
    expect(second.statusCode).toBe(409);
  });
});
