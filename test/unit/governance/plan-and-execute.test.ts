import type { Incident } from '../../../lambdas/core/incident';
import { PlanMismatchError, PolicyDeniedError } from '../../../lambdas/governance/governance-errors';
import { loadRunbooks } from '../../../lambdas/governance/runbooks/runbook-catalogue';
import type { RenderedAction, RunbookExecutor, StepRunResult } from '../../../lambdas/ports/runbook-executor';
import { approvalDeadlines } from '../../../lambdas/workflow/deadlines';
import { type ExecuteDeps, executePlan } from '../../../lambdas/workflow/execute-plan/core';
import { actionHashOf, type Plan, planResponse } from '../../../lambdas/workflow/plan/core';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import {
  CapturingNotifier,
  ManualClock,
  MemoryApprovalStore,
  MemoryAuditTrail,
  testPolicy,
  triagedIncident,
} from './fakes';

const runbooks = loadRunbooks(`${__dirname}/../../../runbooks`);
const THURSDAY_MORNING = new Date('2026-11-19T10:00:00Z');
const baseOverrides = {
  services: {
    'inventory-svc': { domain: 'commerce', environment: 'production', targets: { http: 'http://svc.local' } },
  },
  freezes: [],
};

async function plan(
  incident = triagedIncident(),
  overrides: Record<string, unknown> = {},
  at = THURSDAY_MORNING,
): Promise<Plan> {
  const policy = testPolicy({ ...baseOverrides, ...overrides });
  return planResponse(incident, {
    policy,
    runbooks: runbooks.values(),
    deadlines: approvalDeadlines(policy.config, {}),
    at,
  });
}

const types = (p: Plan) => p.actions.map((a) => `${a.type}:${a.risk}`);

describe('planning', () => {
  it('routes, writes the first response and proposes the matching runbook, gated at its risk', async () => {
    const p = await plan();
    expect(types(p)).toEqual(['assign:low', 'post-work-note:low', 'run-runbook:medium']);
    expect(p).toMatchObject({
      riskTier: 'medium',
      requiresApproval: true,
      approval: { mode: 'async', requiredApprovals: 1 },
    });
    expect(p.actions[2]?.runbook).toMatchObject({
      id: 'restart-service',
      parameters: { baseUrl: 'http://svc.local', service: 'inventory-svc' },
    });
    expect(p.approvalTimeoutSeconds).toBe(600);
  });

  it('runs alone when everything is low risk and permitted', async () => {
    const p = await plan(triagedIncident({ title: 'Question about invoices', service: undefined, agents: {} }));
    expect(p).toMatchObject({ riskTier: 'low', requiresApproval: false, approvalTimeoutSeconds: 0 });
  });

  it("asks a person to confirm a P1 in real time, with the high tier's fallback stage added to the deadline", async () => {
    const base = triagedIncident();
    const incident = triagedIncident({
      priority: 'P1',
      triage: { ...base.triage!, priority: 'P1' },
      agents: {},
    });
    const p = await plan(incident);
    expect(types(p)).toContain('human-review:high');
    expect(p.actions.map((a) => a.type)).not.toContain('run-runbook');
    expect(p).toMatchObject({
      riskTier: 'high',
      approval: { mode: 'realtime', requiredApprovals: 2, stageSeconds: [600, 300] },
    });
    expect(p.approvalTimeoutSeconds).toBe(900);
  });

  it("lets a P1's review ride along with a remediation: the runbook's own verdict decides the gate", async () => {
    const incident = triagedIncident({ priority: 'P1', triage: { ...triagedIncident().triage!, priority: 'P1' } });
    const p = await plan(incident);
    expect(types(p)).toEqual(['assign:low', 'post-work-note:low', 'human-review:high', 'run-runbook:medium']);
    expect(p).toMatchObject({ riskTier: 'medium', requiresApproval: true, approval: { mode: 'async' } });
    // A low-risk remediation the policy lets run alone does not wait for the P1 review at all.
    const low = await plan(incident, {
      domains: { commerce: { autonomy: 'bounded_autonomous' } },
    });
    expect(low.actions.find((a) => a.type === 'run-runbook')?.verdict?.autonomous).toBe(true);
    expect(low).toMatchObject({ riskTier: 'low', requiresApproval: false });
    expect(types(low)).toContain('human-review:high');
  });

  it('changes nothing when the alarm cleared by itself before the plan, and holds nothing for a review', async () => {
    const base = triagedIncident();
    const incident = triagedIncident({
      kind: 'alert',
      priority: 'P1',
      triage: { ...base.triage!, priority: 'P1' },
      timeline: [
        ...base.timeline,
        {
          at: '2026-11-18T10:00:30.000Z',
          actor: 'intake',
          type: 'incident.resolved',
          summary: 'All 1 correlated signals recovered',
        },
      ],
    });
    const p = await plan(incident);
    expect(p.actions.map((a) => a.type)).not.toContain('run-runbook');
    expect(p.actions.map((a) => a.type)).not.toContain('escalate-to-human');
    expect(p.remediation).toMatchObject({ personTakesOver: false, why: expect.stringMatching(/resolved by itself/) });
    expect(p).toMatchObject({ riskTier: 'low', requiresApproval: false });
  });

  it('applies the SLA stage triggers: P2 below 0.8 confidence -> review, P3 uncategorised -> L2, P4 asking for a person -> human', async () => {
    const triage = triagedIncident().triage!;
    const p2 = await plan(triagedIncident({ triage: { ...triage, priority: 'P2', confidence: 0.75 } }));
    expect(types(p2)).toContain('human-review:medium');
    const p3 = await plan(
      triagedIncident({ title: 'Something odd', description: '', triage: { ...triage, category: 'general' } }),
    );
    expect(p3.actions[0]).toMatchObject({ type: 'assign', target: 'Service Desk L2' });
    const p4 = await plan(
      triagedIncident({
        title: 'Printer',
        description: 'Can I please speak to a real person?',
        triage: { ...triage, priority: 'P4' },
      }),
    );
    expect(types(p4)).toContain('escalate-to-human:low');
  });

  it('drops what the policy refuses (a change during a freeze) and says why', async () => {
    const p = await plan(triagedIncident(), {
      freezes: [
        { name: 'Sale', from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', environments: ['production'] },
      ],
    });
    expect(p.actions.map((a) => a.type)).not.toContain('run-runbook');
    expect(p.blocked[0]).toMatchObject({ type: 'run-runbook' });
    expect(p.notes.join(' ')).toMatch(/change-freeze/);
    expect(p.requiresApproval).toBe(false);
  });

  it('does not propose a runbook whose dry run finds it unnecessary', async () => {
    const policy = testPolicy(baseOverrides);
    const p = await planResponse(triagedIncident(), {
      policy,
      runbooks: runbooks.values(),
      deadlines: approvalDeadlines(policy.config, {}),
      at: THURSDAY_MORNING,
      dryRun: async (loaded) => ({
        runbookId: loaded.runbook.id,
        dryRun: true,
        executor: 'x',
        status: 'not_needed',
        outcomes: [],
        startedAt: '',
        finishedAt: '',
        summary: 'already healthy',
      }),
    });
    expect(p.actions.map((a) => a.type)).not.toContain('run-runbook');
    expect(p.notes[0]).toMatch(/not needed: already healthy/);
  });

  it('binds the hash to what runs, not to the explanations around it', async () => {
    const p = await plan();
    const reworded = p.actions.map((a) => ({ ...a, reason: 'something else' }));
    expect(actionHashOf(reworded)).toBe(p.actionHash);
    const retargeted = p.actions.map((a) =>
      a.runbook
        ? { ...a, runbook: { ...a.runbook, parameters: { ...a.runbook.parameters, baseUrl: 'http://evil' } } }
        : a,
    );
    expect(actionHashOf(retargeted)).not.toBe(p.actionHash);
  });
});

class TargetExecutor implements RunbookExecutor {
  readonly name = 'target';
  readonly ran: string[] = [];
  healthy = false;
  constructor(private readonly comesBack = true) {}
  async run(requested: RenderedAction): Promise<StepRunResult> {
    // AWS-only steps run their local stand-in here, as on the local runtime.
    const action = requested.kind === 'ssmAutomation' && requested.local ? requested.local : requested;
    const what = action.kind === 'http' ? `${action.method} ${action.url}` : action.kind;
    this.ran.push(what);
    if (what.includes('/admin/restart')) this.healthy = this.comesBack;
    const status = what.startsWith('GET') ? (this.healthy ? 200 : 503) : 202;
    return { ok: status < 300, status, output: '', durationMs: 1 };
  }
}

async function executionSetup(
  options: {
    overrides?: Record<string, unknown>;
    executor?: TargetExecutor;
    at?: Date;
    incident?: Incident;
    /** Governance the plan was made under (the execution's own is `overrides`). */
    plannedUnder?: Record<string, unknown>;
  } = {},
) {
  const store = new MemoryIncidentStore();
  const incident = options.incident ?? triagedIncident();
  await store.create(incident);
  const p = await plan(incident, options.plannedUnder);
  await store.update(incident.incidentId, { agents: { plan: p } });
  const approvals = new MemoryApprovalStore();
  await approvals.create({
    approvalId: 'apr-1',
    incidentId: incident.incidentId,
    planId: p.planId,
    actionHash: p.actionHash,
    actions: [],
    reasoning: {},
    riskTier: 'medium',
    mode: 'async',
    channel: 'email',
    approverGroup: 'Application Support',
    stages: [],
    requiredApprovals: 1,
    votes: [],
    usedTokenIds: [],
    proposedBy: 'agent:planner',
    taskToken: 't',
    status: 'approved',
    requestedAt: '',
    expiresAt: '',
    callback: 'sent',
    version: 1,
  });
  const executor = options.executor ?? new TargetExecutor();
  const deps: ExecuteDeps = {
    store,
    approvals,
    notifier: new CapturingNotifier(),
    audit: new MemoryAuditTrail(),
    clock: new ManualClock(options.at ?? THURSDAY_MORNING),
    policy: testPolicy({ ...baseOverrides, ...options.overrides }),
    runbooks,
    executor,
    runbookDryRun: false,
  };
  const input = {
    incidentId: incident.incidentId,
    plan: { planId: p.planId, actionHash: p.actionHash },
    approval: { decision: 'approve', approvalId: 'apr-1', actionHash: p.actionHash },
  };
  return {
    deps,
    input,
    store,
    executor,
    plan: p,
    audit: deps.audit as MemoryAuditTrail,
    incidentId: incident.incidentId,
  };
}

describe('executing the approved plan', () => {
  it('runs an ungated remediation and sends the P1 review that rode along as a request, not a refusal', async () => {
    const overrides = { domains: { commerce: { autonomy: 'bounded_autonomous' } } };
    const incident = triagedIncident({ priority: 'P1', triage: { ...triagedIncident().triage!, priority: 'P1' } });
    const { deps, input, executor, plan: p } = await executionSetup({ overrides, incident, plannedUnder: overrides });
    expect(p.requiresApproval).toBe(false);
    await expect(executePlan(deps, { ...input, approval: undefined })).resolves.toMatchObject({
      status: 'done',
      runbook: { status: 'succeeded' },
    });
    expect(executor.ran).toContain('POST http://svc.local/admin/restart');
    const sent = (deps.notifier as CapturingNotifier).sent;
    expect(sent.some((m) => /Please review/.test(m.subject ?? ''))).toBe(true);
  });

  it('runs exactly the approved actions, the runbook included, and records each in the audit trail', async () => {
    const { deps, input, executor, audit, incidentId, store } = await executionSetup();
    await expect(executePlan(deps, input)).resolves.toMatchObject({ status: 'done', runbook: { status: 'succeeded' } });
    expect(executor.ran).toContain('POST http://svc.local/admin/restart');
    expect(audit.types(incidentId)).toEqual(
      expect.arrayContaining(['policy.evaluation', 'itsm.write', 'action.executed']),
    );
    expect((await store.get(incidentId))?.status).toBe('in_progress');
  });

  it('run again after its work was stored (a restart, a redelivered task), reports it without running the runbook twice', async () => {
    const { deps, input, executor, audit, incidentId, store } = await executionSetup();
    const first = await executePlan(deps, input);
    const runs = executor.ran.length;
    const auditBefore = audit.types(incidentId).length;
    const timelineBefore = (await store.get(incidentId))?.timeline.length;

    await expect(executePlan(deps, input)).resolves.toEqual(first);

    expect(executor.ran).toHaveLength(runs);
    expect(audit.types(incidentId)).toHaveLength(auditBefore);
    expect((await store.get(incidentId))?.timeline).toHaveLength(timelineBefore!);
  });

  it('sends its ticket writes through the exactly-once write-back when the stage has one, not the notifier', async () => {
    const { deps, input } = await executionSetup();
    const writes: { purpose: string; update: unknown }[] = [];
    const notifier = deps.notifier as CapturingNotifier;
    const before = notifier.sent.length;
    await executePlan(
      {
        ...deps,
        writeBack: async (_incident, purpose, update) => {
          writes.push({ purpose, update });
        },
      },
      input,
    );
    expect(writes.map((w) => w.purpose)).toEqual(['plan-assignment', 'first-response']);
    expect(writes[0]!.update).toEqual({ assignment: { group: expect.any(String) } });
    expect(notifier.sent.slice(before).filter((n) => n.channel === 'itsm')).toEqual([]);
  });

  it('refuses a stored plan whose actions were edited after approval, running nothing', async () => {
    const { deps, input, executor, store, plan: p, incidentId } = await executionSetup();
    const tampered = {
      ...p,
      actions: p.actions.map((a) =>
        a.runbook
          ? { ...a, runbook: { ...a.runbook, parameters: { ...a.runbook.parameters, baseUrl: 'http://evil' } } }
          : a,
      ),
    };
    await store.update(incidentId, { agents: { plan: tampered } });
    await expect(executePlan(deps, input)).rejects.toBeInstanceOf(PlanMismatchError);
    expect(executor.ran).toEqual([]);
  });

  it('refuses without an approval record for exactly this plan', async () => {
    const { deps, input, executor } = await executionSetup();
    await expect(executePlan(deps, { ...input, approval: undefined })).rejects.toThrow(/needs an approval/);
    await expect(
      executePlan(deps, { ...input, approval: { ...input.approval, approvalId: 'apr-unknown' } }),
    ).rejects.toBeInstanceOf(PlanMismatchError);
    expect(executor.ran).toEqual([]);
  });

  it('asks the policy again right before: a freeze that began after approval stops the runbook', async () => {
    const { deps, input, executor, audit, incidentId } = await executionSetup({
      overrides: {
        freezes: [
          { name: 'Sale', from: '2026-11-19T09:00:00Z', to: '2026-11-30T00:00:00Z', environments: ['production'] },
        ],
      },
    });
    await expect(executePlan(deps, input)).rejects.toBeInstanceOf(PolicyDeniedError);
    expect(executor.ran).toEqual([]);
    expect(audit.types(incidentId)).toContain('action.blocked');
  });

  it('reports a runbook whose post-check fails instead of throwing, so the verification loop hands it to a person', async () => {
    const { deps, input, executor, store, incidentId } = await executionSetup({ executor: new TargetExecutor(false) });
    await expect(executePlan(deps, input)).resolves.toMatchObject({
      status: 'done',
      runbook: { runbookId: 'restart-service', status: 'rollback_failed' },
    });
    // A restart has nothing to roll back: the last thing that ran is the failing health check.
    expect(executor.ran.at(-1)).toBe('GET http://svc.local/health');
    const stored = await store.get(incidentId);
    expect(stored?.agents.execution).toMatchObject({ runbook: { status: 'rollback_failed' } });
  });
});
