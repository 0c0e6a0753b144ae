import { tickTimerId } from '../../../lambdas/governance/approvals/approval-gate';
import {
  type ApprovalDeps,
  decide,
  expire,
  requestApproval,
  review,
  tick,
} from '../../../lambdas/governance/approvals/approval-service';
import { mintLinkToken } from '../../../lambdas/governance/approvals/link-tokens';
import { loadRunbooks } from '../../../lambdas/governance/runbooks/runbook-catalogue';
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

const KEY = 'test-link-key';
const REQUESTER = 'sam.requester@example.com';
const [ANA, BEN, CY] = ['ana@example.com', 'ben@example.com', 'cy@example.com'];

async function setup(overrides: Record<string, unknown> = {}, priority: 'P1' | 'P3' = 'P3') {
  const clock = new ManualClock();
  const policy = testPolicy({
    approverGroups: { Approvers: [REQUESTER, ANA, BEN, CY], Backup: ['dee@example.com'] },
    tiers: {
      medium: {
        approverGroup: 'Approvers',
        timeoutSeconds: 600,
        reminderBeforeSeconds: 120,
        heartbeatSeconds: 300,
        fallback: { action: 'escalate' },
      },
      high: {
        approverGroup: 'Approvers',
        requiredApprovals: 2,
        timeoutSeconds: 600,
        fallback: { action: 'reassign', approverGroup: 'Backup', timeoutSeconds: 300 },
      },
    },
    services: {
      'inventory-svc': { domain: 'commerce', environment: 'production', targets: { http: 'http://127.0.0.1:9/svc' } },
    },
    freezes: [],
    ...overrides,
  });
  const store = new MemoryIncidentStore();
  const incident = triagedIncident(
    // A P1 with nothing to remediate: the real-time review itself holds the plan, at high risk.
    priority === 'P1' ? { priority: 'P1', triage: { ...triagedIncident().triage!, priority: 'P1' }, agents: {} } : {},
  );
  await store.create(incident);
  const plan = await planResponse(incident, {
    policy,
    runbooks: loadRunbooks(`${__dirname}/../../../runbooks`).values(),
    deadlines: approvalDeadlines(policy.config, {}),
    at: clock.now(),
  });
  await store.update(incident.incidentId, { agents: { plan } });
  const deps: ApprovalDeps = {
    approvals: new MemoryApprovalStore(),
    store,
    workflow: new RecordingWorkflow(),
    notifier: new CapturingNotifier(),
    audit: new MemoryAuditTrail(clock),
    scheduler: new MemoryScheduler(),
    clock,
    policy,
    linkKeys: async () => [KEY],
    baseUrl: 'https://lumos.example.com',
  };
  const { approvalId } = await requestApproval(deps, {
    incidentId: incident.incidentId,
    taskToken: 'task-token-1',
    actionHash: plan.actionHash,
  });
  const tokenOf = (approver: string, kind = 'request') => {
    const message = (deps.notifier as CapturingNotifier)
      .to(approver)
      .filter((n) => n.data?.kind === kind)
      .at(-1);
    const href = message?.links?.find((l) => l.rel === 'review')?.href;
    return href ? (new URL(href).searchParams.get('token') ?? undefined) : undefined;
  };
  return {
    deps,
    clock,
    plan,
    approvalId,
    incident,
    tokenOf,
    workflow: deps.workflow as RecordingWorkflow,
    notifier: deps.notifier as CapturingNotifier,
    audit: deps.audit as MemoryAuditTrail,
    scheduler: deps.scheduler as MemoryScheduler,
    approvals: deps.approvals as MemoryApprovalStore,
  };
}

const timing = { heartbeatSeconds: 300, reminderBeforeSeconds: 120 };

describe('requesting an approval', () => {
  it('stores the exact actions and their hash, and sends each approver a personal link', async () => {
    const { approvalId, approvals, notifier, plan, tokenOf, scheduler, incident } = await setup();
    const stored = approvals.items.get(approvalId)!;
    expect(stored).toMatchObject({
      status: 'pending',
      riskTier: 'medium',
      actionHash: plan.actionHash,
      approverGroup: 'Approvers',
      requestedBy: REQUESTER,
    });
    expect(stored.actions.map((a) => a.type)).toEqual(['assign', 'post-work-note', 'run-runbook']);
    for (const member of [REQUESTER, ANA, BEN, CY]) expect(tokenOf(member)).toBeDefined();
    const links = notifier.to(ANA)[0]!.links!.map((l) => `${l.rel} ${l.method}`);
    expect(links).toEqual(['review GET', 'approve POST', 'reject POST']);
    expect(notifier.sent.some((n) => n.channel === 'itsm' && n.incidentId === incident.incidentId)).toBe(true);
    expect([...scheduler.timers.values()][0]?.payload).toEqual({ kind: 'approval-tick', approvalId });
  });

  it('is idempotent per task token: a retried step makes no second request', async () => {
    const { deps, approvalId, plan, incident, notifier } = await setup();
    const before = notifier.sent.length;
    const again = await requestApproval(deps, {
      incidentId: incident.incidentId,
      taskToken: 'task-token-1',
      actionHash: plan.actionHash,
    });
    expect(again.approvalId).toBe(approvalId);
    expect(notifier.sent.length).toBe(before);
  });

  it('finishes announcing a request whose first attempt died after storing it, once: each approver gets one link', async () => {
    const { deps, plan, incident, notifier, scheduler, approvals } = await setup();
    const input = { incidentId: incident.incidentId, taskToken: 'task-token-2', actionHash: plan.actionHash };
    // The first attempt dies as it sends the first link (the process was killed): the request is stored, no link out.
    const dying = { send: async () => Promise.reject(new Error('killed')) };
    await expect(requestApproval({ ...deps, notifier: dying }, input)).rejects.toThrow('killed');
    const { approvalId } = await requestApproval(deps, input);

    const requestsTo = (member: string) =>
      notifier.to(member).filter((n) => n.data?.kind === 'request' && n.data?.approvalId === approvalId);
    for (const member of [REQUESTER, ANA, BEN, CY]) expect(requestsTo(member)).toHaveLength(1);
    const timeline = (await deps.store.get(incident.incidentId))!.timeline;
    expect(timeline.filter((e) => e.type === 'approval.requested' && e.data?.approvalId === approvalId)).toHaveLength(
      1,
    );
    expect(scheduler.timers.get(tickTimerId(approvalId))?.payload).toEqual({ kind: 'approval-tick', approvalId });
    expect(approvals.items.get(approvalId)?.announced).toBe('announced');
  });

  it('sends no link twice when the first attempt died after the links were out', async () => {
    const { deps, plan, incident, notifier } = await setup();
    const input = { incidentId: incident.incidentId, taskToken: 'task-token-3', actionHash: plan.actionHash };
    // Dies at the ticket note, after every approver got a link.
    const dyingAtTicket = {
      send: async (message: Parameters<CapturingNotifier['send']>[0]) =>
        message.channel === 'itsm' ? Promise.reject(new Error('killed')) : notifier.send(message),
    };
    await expect(requestApproval({ ...deps, notifier: dyingAtTicket }, input)).rejects.toThrow('killed');
    const { approvalId } = await requestApproval(deps, input);
    for (const member of [REQUESTER, ANA, BEN, CY]) {
      expect(notifier.to(member).filter((n) => n.data?.approvalId === approvalId)).toHaveLength(1);
    }
    expect(notifier.sent.filter((n) => n.channel === 'itsm' && n.data?.approvalId === approvalId)).toHaveLength(1);
  });

  it('refuses to ask approval for a plan other than the stored one', async () => {
    const { deps, incident } = await setup();
    await expect(
      requestApproval(deps, { incidentId: incident.incidentId, taskToken: 't2', actionHash: 'f'.repeat(64) }),
    ).rejects.toThrow(/not the one/);
  });
});

describe('deciding', () => {
  it('approves with a valid link and resumes the workflow with exactly one callback', async () => {
    const { deps, approvalId, tokenOf, workflow, plan, audit, incident } = await setup();
    const result = await decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve', comment: 'go' });
    expect(result).toMatchObject({ status: 'approved', resumed: true, approver: ANA });
    expect(workflow.successes).toEqual([
      {
        taskToken: 'task-token-1',
        output: expect.objectContaining({
          decision: 'approve',
          approvalId,
          actionHash: plan.actionHash,
          decidedBy: [ANA],
        }),
      },
    ]);
    expect(audit.types(incident.incidentId)).toContain('human.decision');
  });

  it('lets only one of two simultaneous decisions win: one callback, the other 409', async () => {
    const { deps, approvalId, tokenOf, workflow } = await setup();
    const results = await Promise.allSettled([
      decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' }),
      decide(deps, { approvalId, token: tokenOf(BEN), decision: 'reject' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(loser.reason).toMatchObject({ statusCode: 409, code: 'already_decided' });
    expect(workflow.successes).toHaveLength(1);
  });

  it('answers a second decision with 409 and a clear message, and a reused link with 409 too', async () => {
    const { deps, approvalId, tokenOf, workflow } = await setup();
    const anaToken = tokenOf(ANA);
    await decide(deps, { approvalId, token: anaToken, decision: 'approve' });
    await expect(decide(deps, { approvalId, token: tokenOf(BEN), decision: 'reject' })).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/already approved by ana@example.com/),
    });
    await expect(decide(deps, { approvalId, token: anaToken, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 409,
    });
    expect(workflow.successes).toHaveLength(1);
  });

  it("refuses the requester's own approval with 403 (segregation of duties)", async () => {
    const { deps, approvalId, tokenOf, workflow } = await setup();
    await expect(decide(deps, { approvalId, token: tokenOf(REQUESTER), decision: 'approve' })).rejects.toMatchObject({
      statusCode: 403,
      code: 'segregation_of_duties',
    });
    expect(workflow.successes).toHaveLength(0);
  });

  it('refuses a signed link for someone outside the approver group with 403', async () => {
    const { deps, approvalId, plan, approvals } = await setup();
    const exp = Math.floor(Date.parse(approvals.items.get(approvalId)!.stages[0]!.expiresAt) / 1000);
    const outsider = mintLinkToken(KEY, { a: approvalId, p: 'eve@example.com', h: plan.actionHash, s: 0, exp });
    await expect(decide(deps, { approvalId, token: outsider, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 403,
      code: 'not_an_approver',
    });
  });

  it('answers 401 for a missing or forged token, and for a token of another approval', async () => {
    const { deps, approvalId, plan } = await setup();
    await expect(decide(deps, { approvalId, token: undefined, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 401,
    });
    const forged = mintLinkToken('not-the-key', {
      a: approvalId,
      p: ANA,
      h: plan.actionHash,
      s: 0,
      exp: 2_000_000_000,
    });
    await expect(decide(deps, { approvalId, token: forged, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 401,
    });
    const other = mintLinkToken(KEY, { a: 'apr-other', p: ANA, h: plan.actionHash, s: 0, exp: 2_000_000_000 });
    await expect(decide(deps, { approvalId, token: other, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 401,
    });
  });

  it('answers 410 once the window closed, and says the fallback applied only once it really ran', async () => {
    const { deps, approvalId, tokenOf, clock, workflow } = await setup();
    clock.advance(601);
    const closing = decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' });
    await expect(closing).rejects.toMatchObject({ statusCode: 410, message: expect.stringMatching(/is taking over/) });
    await expect(closing).rejects.not.toMatchObject({ message: expect.stringMatching(/fallback applied/) });
    // The Escalate step (the fallback) expires the request.
    await expire(deps, approvalId, 'deadline');
    await expect(decide(deps, { approvalId, token: tokenOf(BEN), decision: 'reject' })).rejects.toMatchObject({
      statusCode: 410,
      message: expect.stringMatching(/expired .* the safe fallback applied/),
    });
    expect(workflow.successes).toHaveLength(0);
  });

  it('keeps the decision and hands the incident to a person when the workflow no longer waits; never calls it expired', async () => {
    const { deps, approvalId, tokenOf, workflow, approvals, incident: opened, notifier } = await setup();
    workflow.taskGone = true;
    await expect(decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' })).rejects.toMatchObject({
      statusCode: 410,
      code: 'workflow_gone',
      message: expect.not.stringMatching(/fallback applied|on-call took over/),
    });
    expect(approvals.items.get(approvalId)).toMatchObject({ status: 'approved', callback: 'failed' });
    const incident = await deps.store.get(opened.incidentId);
    expect(incident?.status).toBe('needs_human');
    expect(incident?.timeline.filter((e) => e.type === 'incident.flagged')).toHaveLength(1);
    expect(notifier.sent.filter((n) => n.data?.kind === 'approval.workflow_gone')).toHaveLength(1);
  });

  it('takes a gone task as delivered when an earlier callback attempt died mid-send: nobody is paged', async () => {
    const { deps, approvalId, tokenOf, workflow, approvals, incident: opened, notifier } = await setup();
    await decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' });
    // The approval went out and the gate moved on, but the process died before it recorded the callback as sent.
    const stored = approvals.items.get(approvalId)!;
    approvals.items.set(approvalId, { ...stored, callback: 'sending' });
    // The timer sends it again; the task ended with the first one.
    workflow.taskGone = true;
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: 'callback sent' });
    expect(approvals.items.get(approvalId)).toMatchObject({ status: 'approved', callback: 'sent' });
    expect((await deps.store.get(opened.incidentId))?.status).not.toBe('needs_human');
    expect(notifier.sent.filter((n) => n.data?.kind === 'approval.workflow_gone')).toHaveLength(0);
    expect(workflow.successes).toHaveLength(1);
  });

  it('a reject vetoes at once and resumes the workflow with the rejection', async () => {
    const { deps, approvalId, tokenOf, workflow } = await setup();
    await expect(
      decide(deps, { approvalId, token: tokenOf(BEN), decision: 'reject', comment: 'no' }),
    ).resolves.toMatchObject({ status: 'rejected' });
    expect(workflow.successes[0]?.output).toMatchObject({ decision: 'reject', comment: 'no' });
  });

  it('needs N distinct approvers for high risk: the first approval waits (202-style), the second completes', async () => {
    const { deps, approvalId, tokenOf, workflow, approvals } = await setup({}, 'P1');
    expect(approvals.items.get(approvalId)).toMatchObject({ riskTier: 'high', requiredApprovals: 2, mode: 'realtime' });
    const first = await decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' });
    expect(first).toMatchObject({ status: 'pending', approvals: 1, requiredApprovals: 2, resumed: false });
    expect(workflow.successes).toHaveLength(0);
    const second = await decide(deps, { approvalId, token: tokenOf(CY), decision: 'approve' });
    expect(second).toMatchObject({ status: 'approved', resumed: true });
    expect(workflow.successes[0]?.output).toMatchObject({ decidedBy: [ANA, CY] });
  });
});

describe('the approval timer', () => {
  it('heartbeats the gate and reminds approvers before their window closes', async () => {
    const { deps, approvalId, workflow, notifier, clock } = await setup();
    await tick(deps, approvalId, timing);
    expect(workflow.heartbeats).toEqual(['task-token-1']);
    expect(notifier.to(ANA).filter((n) => n.data?.kind === 'reminder')).toHaveLength(0);
    clock.advance(481);
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: 'reminded' });
    expect(notifier.to(ANA).filter((n) => n.data?.kind === 'reminder')).toHaveLength(1);
    await tick(deps, approvalId, timing);
    expect(notifier.to(ANA).filter((n) => n.data?.kind === 'reminder')).toHaveLength(1);
  });

  it('moves a high-risk request to the fallback group when the first window passes; old links answer 410', async () => {
    const { deps, approvalId, tokenOf, clock, approvals } = await setup({}, 'P1');
    const anaToken = tokenOf(ANA);
    clock.advance(601);
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: 'reassigned to Backup' });
    expect(approvals.items.get(approvalId)).toMatchObject({ approverGroup: 'Backup', status: 'pending' });
    expect(tokenOf('dee@example.com', 'reassigned')).toBeDefined();
    await expect(decide(deps, { approvalId, token: anaToken, decision: 'approve' })).rejects.toMatchObject({
      statusCode: 410,
      code: 'reassigned',
    });
  });

  it("stops at the final deadline without expiring the request: that is the fallback step's job", async () => {
    const { deps, approvalId, clock, approvals, scheduler } = await setup();
    clock.advance(600);
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: expect.stringMatching(/^stopped/) });
    expect(approvals.items.get(approvalId)?.status).toBe('pending');
    expect(scheduler.timers.size).toBe(0);
  });

  it('stops when the gate no longer answers heartbeats, without calling the request expired', async () => {
    const { deps, approvalId, workflow, approvals, scheduler } = await setup();
    workflow.taskGone = true;
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: expect.stringMatching(/^stopped/) });
    expect(approvals.items.get(approvalId)?.status).toBe('pending');
    expect(scheduler.timers.size).toBe(0);
  });

  it('sends a callback that did not go out at decision time, once', async () => {
    const { deps, approvalId, tokenOf, workflow, approvals } = await setup();
    const flaky = workflow.sendTaskSuccess.bind(workflow);
    workflow.sendTaskSuccess = async () => {
      throw Object.assign(new Error('socket hang up'), { name: 'NetworkError' });
    };
    await expect(decide(deps, { approvalId, token: tokenOf(ANA), decision: 'approve' })).resolves.toMatchObject({
      resumed: false,
    });
    workflow.sendTaskSuccess = flaky;
    await expect(tick(deps, approvalId, timing)).resolves.toMatchObject({ action: 'callback sent' });
    await tick(deps, approvalId, timing);
    expect(workflow.successes).toHaveLength(1);
    expect(approvals.items.get(approvalId)?.callback).toBe('sent');
  });
});

describe('reviewing through a link', () => {
  it('shows the request and whether this person may decide, without deciding anything', async () => {
    const { deps, approvalId, tokenOf, approvals } = await setup();
    const view = await review(deps, approvalId, tokenOf(REQUESTER));
    expect(view.you).toMatchObject({ approver: REQUESTER, canDecide: false, status: 403 });
    expect(view.request).not.toHaveProperty('taskToken');
    expect((await review(deps, approvalId, tokenOf(ANA))).you).toMatchObject({ canDecide: true });
    expect(approvals.items.get(approvalId)?.status).toBe('pending');
  });
});
