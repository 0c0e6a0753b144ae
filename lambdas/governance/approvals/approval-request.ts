/** Asking for approval (the HumanGate step) and the review page a link opens. */

import { describeHypotheses, diagnosisOf } from '../../agents/diagnosis/diagnosis';
import { sha256Hex } from '../../core/ids';
import type { Incident } from '../../core/incident';
import type { ApprovalRequest } from '../../ports/approval-store';
import { NotFoundError } from '../../shared/errors';
import type { Plan } from '../../workflow/plan/core';
import { membersOf } from '../governance-config';
import { PlanMismatchError } from '../governance-errors';
import {
  currentStage,
  describeActions,
  type GateDeps,
  loadRequest,
  nextTickAt,
  notifyApprovers,
  PLANNER,
  publicView,
  readToken,
  refusal,
  tickTimerId,
} from './approval-gate';

function reasoningOf(incident: Incident, plan: Plan): Record<string, unknown> {
  const diagnosis = diagnosisOf(incident.agents.diagnosis);
  return {
    summary: `Lumos plans a ${plan.riskTier}-risk response to ${incident.externalId} "${incident.title}" (${incident.triage?.priority ?? incident.priority}).`,
    incident: {
      externalId: incident.externalId,
      externalUrl: incident.externalUrl,
      title: incident.title,
      description: incident.description.slice(0, 2000),
      priority: incident.triage?.priority ?? incident.priority,
      service: incident.service,
      reporter: incident.reporter,
    },
    triage: incident.triage,
    // What the approver weighs the action against: the diagnosis it remediates, with the evidence it cites.
    ...(diagnosis
      ? {
          diagnosis: {
            summary: diagnosis.summary,
            confidence: diagnosis.confidence,
            hypotheses: describeHypotheses(diagnosis),
            confirm: diagnosis.hypotheses[0]?.confirm ?? [],
            ruleOut: diagnosis.hypotheses[0]?.ruleOut ?? [],
          },
        }
      : {}),
    knowledge: (incident.knowledge?.articles ?? [])
      .slice(0, 3)
      .map(({ articleId, title, score }) => ({ articleId, title, score })),
    rationale: plan.rationale,
    notes: plan.notes,
    blocked: plan.blocked,
    policy: plan.actions.map((a) => ({ type: a.type, target: a.target, risk: a.risk, verdict: a.verdict })),
    policyVersion: plan.policyVersion,
    ...(plan.dryRun ? { dryRun: plan.dryRun } : {}),
  };
}

/**
 * Workflow step HumanGate: stores the request with its task token, bound to the exact planned actions by their
 * hash, and sends each approver of the tier's group a personal link. Idempotent per task token: a retried
 * invocation finds the request it already made, and finishes announcing it if the first attempt died before it
 * had (no approver would otherwise ever get a link, and the gate would wait for nothing).
 */
export async function requestApproval(
  deps: GateDeps,
  input: { incidentId: string; taskToken: string; actionHash: string; executionArn?: string },
): Promise<{ approvalId: string; approvers: number }> {
  const incident = await deps.store.get(input.incidentId);
  if (!incident) throw new NotFoundError(`incident ${input.incidentId} does not exist`);
  const plan = incident.agents.plan as Plan | undefined;
  if (!plan || plan.actionHash !== input.actionHash || !plan.approval) {
    throw new PlanMismatchError(`the stored plan of ${input.incidentId} is not the one the workflow asks approval for`);
  }
  const now = deps.clock.now();
  const approvalId = `apr-${sha256Hex(input.taskToken).slice(0, 20)}`;
  const existing = await deps.approvals.get(approvalId);
  if (existing) {
    const approvers = membersOf(deps.policy.config, existing.approverGroup).length;
    if (existing.announced !== 'announced' && existing.status === 'pending') {
      await announce(deps, incident, plan, existing, existing.announced === 'notified' ? 'notified' : undefined);
    }
    return { approvalId, approvers };
  }

  const tier = deps.policy.config.tiers[plan.riskTier];
  const firstStage = plan.approval.stageSeconds[0] ?? tier.timeoutSeconds;
  const request: ApprovalRequest = {
    approvalId,
    incidentId: incident.incidentId,
    planId: plan.planId,
    ...(input.executionArn ? { executionArn: input.executionArn } : {}),
    actionHash: plan.actionHash,
    actions: plan.actions.map(({ type, risk, target, reason, runbook }) => ({
      type,
      risk,
      target,
      reason,
      ...(runbook ? { runbook } : {}),
    })),
    reasoning: reasoningOf(incident, plan),
    riskTier: plan.riskTier,
    mode: plan.approval.mode,
    channel: tier.channel,
    approverGroup: plan.approval.approverGroup,
    stages: [
      {
        approverGroup: plan.approval.approverGroup,
        startedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + firstStage * 1000).toISOString(),
        reason: 'requested',
      },
    ],
    requiredApprovals: plan.approval.requiredApprovals,
    votes: [],
    usedTokenIds: [],
    ...(incident.reporter ? { requestedBy: incident.reporter } : {}),
    proposedBy: `agent:${PLANNER}`,
    taskToken: input.taskToken,
    status: 'pending',
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + plan.approvalTimeoutSeconds * 1000).toISOString(),
    callback: 'none',
    version: 1,
  };
  if (!(await deps.approvals.create(request))) return { approvalId, approvers: 0 };
  return { approvalId, approvers: await announce(deps, incident, plan, request, undefined) };
}

/**
 * Tells everyone about a stored request: the audit trail, the incident's status and timeline, each approver's link,
 * the ticket's note and the reminder timer. Records its progress on the request, so a re-run after a crash repeats
 * only what may be missing: the timeline entry is added once, and links already sent are not sent again.
 */
async function announce(
  deps: GateDeps,
  incident: Incident,
  plan: Plan,
  request: ApprovalRequest,
  done: 'notified' | undefined,
): Promise<number> {
  const { approvalId } = request;
  const now = deps.clock.now();
  const requested = incident.timeline.some(
    (entry) => entry.type === 'approval.requested' && entry.data?.approvalId === approvalId,
  );
  if (!requested) {
    // The audit record first: a timeline entry then means both are written.
    await deps.audit.append(incident.incidentId, {
      type: 'approval.requested',
      actor: `agent:${PLANNER}`,
      summary: `asked ${request.approverGroup} to approve ${request.actions.length} action(s) (${request.riskTier}, ${request.mode})`,
      data: {
        approvalId,
        actionHash: request.actionHash,
        actions: request.actions,
        approverGroup: request.approverGroup,
        requiredApprovals: request.requiredApprovals,
        expiresAt: request.expiresAt,
        stages: plan.approval?.stageSeconds,
      },
    });
    await deps.store.update(incident.incidentId, {
      set: { status: 'awaiting_approval' },
      agents: {
        approval: {
          approvalId,
          status: 'pending',
          riskTier: request.riskTier,
          approverGroup: request.approverGroup,
          expiresAt: request.expiresAt,
        },
      },
      append: [
        {
          at: now.toISOString(),
          actor: PLANNER,
          type: 'approval.requested',
          summary: `${request.riskTier}-risk plan awaits ${request.requiredApprovals} approval(s) from ${request.approverGroup} until ${currentStage(request).expiresAt}`,
          data: { approvalId, actionHash: request.actionHash },
        },
      ],
    });
  }
  let approvers = membersOf(deps.policy.config, request.approverGroup).length;
  let current = request;
  if (done !== 'notified') {
    approvers = await notifyApprovers(deps, request, 'request');
    current = await markAnnounced(deps, current, 'notified');
  }
  await deps.notifier.send({
    channel: 'itsm',
    recipient: `${incident.source}:${incident.externalId}`,
    subject: 'Lumos: approval requested',
    text: `Lumos proposes:\n${describeActions(request)}\nWaiting for ${request.approverGroup} (${request.mode}) until ${currentStage(request).expiresAt}. Nothing runs before a person approves.`,
    incidentId: incident.incidentId,
    data: { approvalId },
  });
  await deps.audit.append(incident.incidentId, {
    type: 'itsm.write',
    actor: `agent:${PLANNER}`,
    summary: `work note on ${incident.source}:${incident.externalId}: approval requested`,
    data: { approvalId, target: `${incident.source}:${incident.externalId}` },
  });
  await deps.scheduler.schedule({
    timerId: tickTimerId(approvalId),
    dueAt: nextTickAt(request, plan.heartbeatSeconds, plan.approval?.reminderBeforeSeconds ?? 0, now),
    payload: { kind: 'approval-tick', approvalId },
  });
  await markAnnounced(deps, current, 'announced');
  return approvers;
}

/**
 * Records how far announcing got. The request may have changed meanwhile (a vote): then it is read again and the
 * mark set on the current version. Returns the request as stored.
 */
async function markAnnounced(
  deps: GateDeps,
  request: ApprovalRequest,
  announced: 'notified' | 'announced',
): Promise<ApprovalRequest> {
  let current: ApprovalRequest | undefined = request;
  for (let attempt = 0; current && attempt < 5; attempt++) {
    const next = { ...current, announced };
    if (await deps.approvals.replace(next, current.version)) return { ...next, version: current.version + 1 };
    current = await deps.approvals.get(request.approvalId);
  }
  return current ?? request;
}

/** The request for the review page; with a valid token, also whether that person may decide and how. */
export async function review(
  deps: Omit<GateDeps, 'notifier'>,
  approvalId: string,
  token: string | undefined,
): Promise<{ request: ReturnType<typeof publicView>; you: Record<string, unknown> }> {
  const claims = await readToken(deps, approvalId, token);
  const request = await loadRequest(deps, approvalId);
  const refused = refusal(deps, request, claims, deps.clock.now());
  const decisionUrl = `${deps.baseUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}/decision`;
  return {
    request: publicView(request),
    you: {
      approver: claims.p,
      canDecide: !refused,
      ...(refused ? { why: refused.message, status: (refused as { statusCode?: number }).statusCode } : {}),
      linkExpiresAt: new Date(claims.exp * 1000).toISOString(),
      ...(refused
        ? {}
        : {
            decide: {
              method: 'POST',
              href: decisionUrl,
              body: { decision: 'approve | reject', token: '<this link token>', comment: '<optional>' },
            },
          }),
    },
  };
}
