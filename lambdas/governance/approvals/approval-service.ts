import { describeHypotheses, diagnosisOf } from '../../agents/diagnosis/diagnosis';
import { sha256Hex } from '../../core/ids';
import type { Incident, TimelineEntry } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import type { ApprovalRequest, ApprovalStage, ApprovalStore, ApprovalVote } from '../../ports/approval-store';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import type { Notification, Notifier } from '../../ports/notifier';
import { type Scheduler, timerId } from '../../ports/scheduler';
import type { Workflow } from '../../ports/workflow';
import { NotFoundError, UnauthorizedError } from '../../shared/errors';
import type { Plan } from '../../workflow/plan/core';
import { membersOf } from '../governance-config';
import { ConflictError, ForbiddenError, GoneError, PlanMismatchError } from '../governance-errors';
import type { GovernancePolicy } from '../policy/governance-policy';
import { InvalidLinkTokenError, type LinkClaims, mintLinkToken, verifyLinkToken } from './link-tokens';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const PLANNER = stepActor('Plan');

/** Everything the approval gate works with; handlers pass the resolved ports in. */
export interface ApprovalDeps {
  approvals: ApprovalStore;
  store: IncidentStore;
  /** Resumes the waiting task; approvals never start workflows. */
  workflow: Omit<Workflow, 'start'>;
  notifier: Notifier;
  audit: AuditTrail;
  scheduler: Scheduler;
  clock: Clock;
  policy: GovernancePolicy;
  /** HMAC keys for link tokens, current first (a previous key keeps working during a rotation). */
  linkKeys: () => Promise<string[]>;
  /** Public base URL of the API, for links. */
  baseUrl: string;
}

/** What the approval gate needs where it never resumes the workflow (requesting, expiring, reviewing). */
export type GateDeps = Omit<ApprovalDeps, 'workflow'>;

/** What expiring a request needs (the Escalate step). */
export type ExpireDeps = Pick<GateDeps, 'approvals' | 'store' | 'scheduler' | 'clock'>;

export type Decision = 'approve' | 'reject';

/** What HumanGate's task gets back (SendTaskSuccess output), and ExecutePlan receives as `$.approval`. */
export interface GateOutcome extends Record<string, unknown> {
  decision: Decision;
  approvalId: string;
  actionHash: string;
  decidedBy: string[];
  decidedAt: string;
  comment?: string;
}

const MAX_ATTEMPTS = 6;
/** Callback errors meaning the task is gone: its window closed (or it ended) before the decision arrived. */
const GONE_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** A decided request whose callback did not go out is retried this long after the decision. */
const CALLBACK_RETRY_MS = 30_000;

export const tickTimerId = (approvalId: string) => timerId('approval', approvalId);

const isTerminal = (r: ApprovalRequest) => r.status !== 'pending';
const currentStage = (r: ApprovalRequest): ApprovalStage => r.stages[r.stages.length - 1]!;
const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The identity a person acts under in the trail. */
const human = (approver: string) => `human:${approver}`;

async function timeline(
  deps: Pick<GateDeps, 'store' | 'clock'>,
  incidentId: string,
  entry: Omit<TimelineEntry, 'at'>,
): Promise<void> {
  await deps.store.update(incidentId, { append: [{ at: deps.clock.now().toISOString(), ...entry }] });
}

/** The request as people and the API see it: no task token, no used-token ids. */
export function publicView(
  request: ApprovalRequest,
): Omit<ApprovalRequest, 'taskToken' | 'usedTokenIds' | 'callbackOutput'> {
  const { taskToken: _t, usedTokenIds: _u, callbackOutput: _c, ...view } = request;
  return view;
}

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

function describeActions(request: Pick<ApprovalRequest, 'actions'>): string {
  return request.actions
    .map(
      (a, i) =>
        `${i + 1}. ${a.type} ${a.target} [${a.risk}]${a.runbook ? ` — runbook ${a.runbook.id} ${JSON.stringify(a.runbook.parameters)}` : ''}: ${a.reason}`,
    )
    .join('\n');
}

function links(deps: Pick<GateDeps, 'baseUrl'>, approvalId: string, token: string): NonNullable<Notification['links']> {
  const base = `${deps.baseUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}`;
  const t = encodeURIComponent(token);
  return [
    { rel: 'review', href: `${base}?token=${t}`, method: 'GET' },
    { rel: 'approve', href: `${base}/decision?decision=approve&token=${t}`, method: 'POST' },
    { rel: 'reject', href: `${base}/decision?decision=reject&token=${t}`, method: 'POST' },
  ];
}

/** Sends every member of the current stage's group a personal message with their own links. */
async function notifyApprovers(
  deps: GateDeps,
  request: ApprovalRequest,
  kind: 'request' | 'reminder' | 'reassigned',
): Promise<number> {
  const stage = currentStage(request);
  const [key] = await deps.linkKeys();
  if (!key) throw new Error('no approval-link signing key is configured');
  const voted = new Set(request.votes.map((v) => v.approver));
  const members = membersOf(deps.policy.config, stage.approverGroup).filter((m) => !voted.has(m));
  const reasoning = request.reasoning as { summary?: string; rationale?: string; diagnosis?: { summary?: string } };
  const lead = {
    request: `Approval needed${request.mode === 'realtime' ? ' NOW' : ''}`,
    reminder: 'Reminder: approval still needed',
    reassigned: 'Approval needed (reassigned to you)',
  }[kind];
  for (const member of members) {
    const token = mintLinkToken(key, {
      a: request.approvalId,
      p: member,
      h: request.actionHash,
      s: request.stages.length - 1,
      exp: epochSeconds(stage.expiresAt),
    });
    await deps.notifier.send({
      channel: 'approval',
      recipient: member,
      subject: `${lead}: ${reasoning.summary ?? request.approvalId}`,
      text: [
        reasoning.summary ?? '',
        `Decide by ${stage.expiresAt} (${request.requiredApprovals} approval${request.requiredApprovals > 1 ? 's' : ''} from ${stage.approverGroup} needed).`,
        reasoning.diagnosis?.summary ? `Diagnosis: ${reasoning.diagnosis.summary}` : '',
        'Planned actions:',
        describeActions(request),
        request.mode === 'realtime' ? `Reasoning: ${reasoning.rationale ?? ''}` : '',
        'Open the review link to see the full reasoning; approving or rejecting is a POST (the buttons on that page).',
      ]
        .filter(Boolean)
        .join('\n'),
      links: links(deps, request.approvalId, token),
      incidentId: request.incidentId,
      data: {
        approvalId: request.approvalId,
        approver: member,
        via: request.channel,
        mode: request.mode,
        kind,
        stage: request.stages.length - 1,
      },
    });
  }
  // The group channel learns that something waits, without anyone's personal link.
  await deps.notifier.send({
    channel: request.mode === 'realtime' ? 'page' : 'slack',
    recipient: stage.approverGroup,
    subject: `${lead}: ${request.approvalId}`,
    text: `${reasoning.summary ?? ''} ${members.length} member(s) of ${stage.approverGroup} got a personal link; decide by ${stage.expiresAt}.`,
    incidentId: request.incidentId,
    data: { approvalId: request.approvalId, kind: `approval.${kind}` },
  });
  return members.length;
}

/** When the approval timer next needs to run: heartbeat, reminder, stage end or final expiry, whichever is first. */
export function nextTickAt(
  request: ApprovalRequest,
  heartbeatSeconds: number,
  reminderBeforeSeconds: number,
  now: Date,
): Date {
  const stage = currentStage(request);
  const candidates = [
    now.getTime() + Math.max(1, Math.floor(heartbeatSeconds / 2)) * 1000,
    Date.parse(request.expiresAt),
  ];
  const reminderAt = Date.parse(stage.expiresAt) - reminderBeforeSeconds * 1000;
  if (!stage.remindedAt && reminderAt > now.getTime()) candidates.push(reminderAt);
  if (Date.parse(stage.expiresAt) > now.getTime()) candidates.push(Date.parse(stage.expiresAt));
  return new Date(Math.min(...candidates));
}

/**
 * Workflow step HumanGate: stores the request with its task token, bound to the exact planned actions by their
 * hash, and sends each approver of the tier's group a personal link. Idempotent per task token (a retried
 * invocation finds the request it already made).
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
  if (existing) return { approvalId, approvers: membersOf(deps.policy.config, existing.approverGroup).length };

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
      stages: plan.approval.stageSeconds,
    },
  });
  const approvers = await notifyApprovers(deps, request, 'request');
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
    dueAt: nextTickAt(request, plan.heartbeatSeconds, plan.approval.reminderBeforeSeconds, now),
    payload: { kind: 'approval-tick', approvalId },
  });
  return { approvalId, approvers };
}

/** Verifies a link token against the keys and the approval it claims; 401 for anything we did not issue. */
export async function readToken(
  deps: Pick<GateDeps, 'linkKeys'>,
  approvalId: string,
  token: string | undefined,
): Promise<LinkClaims> {
  if (!token) throw new UnauthorizedError('this link needs its token: open it from your notification');
  let claims: LinkClaims;
  try {
    claims = verifyLinkToken(token, (await deps.linkKeys()).filter(Boolean));
  } catch (error) {
    if (error instanceof InvalidLinkTokenError) throw new UnauthorizedError(error.message);
    throw error;
  }
  if (claims.a !== approvalId) throw new UnauthorizedError('this token belongs to another approval request');
  return claims;
}

async function loadRequest(deps: Pick<GateDeps, 'approvals'>, approvalId: string): Promise<ApprovalRequest> {
  const request = await deps.approvals.get(approvalId);
  if (!request) throw new NotFoundError(`approval ${approvalId} does not exist`);
  return request;
}

function decidedMessage(request: ApprovalRequest): string {
  const who = request.decidedBy?.join(', ') ?? 'someone';
  return `this request was already ${request.status} by ${who} at ${request.decidedAt}; nothing changed`;
}

/** Only for a request the fallback (Escalate) really expired: nothing ran and on-call was paged. */
function expiredMessage(request: ApprovalRequest): string {
  return `this request expired at ${request.expiresAt} without a decision; the safe fallback applied (nothing was executed, on-call took over)`;
}

/** The deadline passed but the gate's fallback has not run yet: say what is about to happen, not that it did. */
function closingMessage(request: ApprovalRequest): string {
  return `the decision window closed at ${request.expiresAt}; the safe fallback is taking over (nothing will be executed, on-call is paged)`;
}

/**
 * Why a decision by `claims.p` cannot count now, as the error to answer with, or undefined when it can.
 * Order matters: a decided request is 409 even after its deadline; a closed window is 410.
 */
function refusal(
  deps: Pick<GateDeps, 'policy'>,
  request: ApprovalRequest,
  claims: LinkClaims,
  now: Date,
): Error | undefined {
  if (request.status === 'approved' || request.status === 'rejected')
    return new ConflictError(decidedMessage(request), 'already_decided');
  if (request.status === 'expired') return new GoneError(expiredMessage(request));
  if (now.getTime() >= Date.parse(request.expiresAt)) return new GoneError(closingMessage(request));
  if (request.usedTokenIds.includes(claims.n))
    return new ConflictError('this link was already used; each link decides once', 'link_used');
  if (claims.h !== request.actionHash) {
    return new ConflictError('this link was issued for a different version of the planned actions', 'action_changed');
  }
  if (claims.s !== request.stages.length - 1) {
    return new GoneError(
      `your window closed at ${request.stages[claims.s]?.expiresAt}; the request was reassigned to ${request.approverGroup}`,
      'reassigned',
    );
  }
  if (now.getTime() >= claims.exp * 1000)
    return new GoneError(`this link expired at ${new Date(claims.exp * 1000).toISOString()}`);
  const verdict = deps.policy.mayDecide(claims.p, {
    approvalId: request.approvalId,
    approverGroup: request.approverGroup,
    riskTier: request.riskTier,
    ...(request.requestedBy ? { requestedBy: request.requestedBy } : {}),
    ...(request.proposedBy.startsWith('agent:') ? {} : { proposedBy: request.proposedBy }),
    approvedBy: request.votes.map((v) => v.approver),
  });
  if (!verdict.allowed) {
    const forbid = verdict.because.find((p) => p.effect === 'forbid');
    return new ForbiddenError(
      forbid
        ? `${forbid.reason} (policy ${forbid.id})`
        : `${claims.p} is not a member of ${request.approverGroup}, which decides this request`,
      forbid?.id === 'requester-cannot-approve' || forbid?.id === 'proposer-cannot-approve'
        ? 'segregation_of_duties'
        : 'not_an_approver',
    );
  }
  return undefined;
}

export interface DecisionResult {
  approvalId: string;
  status: ApprovalRequest['status'];
  decision: Decision;
  approver: string;
  approvals: number;
  requiredApprovals: number;
  /** True when this decision completed the request and resumed the workflow. */
  resumed: boolean;
  message: string;
}

/**
 * A person's decision through their link. Checks the token (401), the request's state (409 decided, 410
 * expired or moved on), and Cedar (403: not in the group, requested/proposed it, already voted). The vote and,
 * when it completes the request, the move out of `pending` are one conditional write: whoever loses re-reads and
 * gets 409, so exactly one SendTaskSuccess is ever made. A reject vetoes at once; approvals count up to N.
 */
export async function decide(
  deps: ApprovalDeps,
  input: { approvalId: string; token: string | undefined; decision: Decision; comment?: string },
): Promise<DecisionResult> {
  const claims = await readToken(deps, input.approvalId, input.token);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const request = await loadRequest(deps, input.approvalId);
    const now = deps.clock.now();
    const refused = refusal(deps, request, claims, now);
    if (refused) {
      await deps.audit.append(request.incidentId, {
        type: 'human.decision',
        actor: human(claims.p),
        summary: `refused ${input.decision} on ${request.approvalId}: ${refused.message}`,
        data: {
          approvalId: request.approvalId,
          decision: input.decision,
          accepted: false,
          reason: refused.message,
          status: (refused as { statusCode?: number }).statusCode,
        },
      });
      throw refused;
    }
    const vote: ApprovalVote = {
      approver: claims.p,
      decision: input.decision,
      at: now.toISOString(),
      tokenId: claims.n,
      ...(input.comment ? { comment: input.comment } : {}),
    };
    const votes = [...request.votes, vote];
    const approvals = votes.filter((v) => v.decision === 'approve').length;
    const completes = input.decision === 'reject' || approvals >= request.requiredApprovals;
    const next: ApprovalRequest = { ...request, votes, usedTokenIds: [...request.usedTokenIds, claims.n] };
    if (completes) {
      const deciders =
        input.decision === 'reject' ? [claims.p] : votes.filter((v) => v.decision === 'approve').map((v) => v.approver);
      const outcome: GateOutcome = {
        decision: input.decision,
        approvalId: request.approvalId,
        actionHash: request.actionHash,
        decidedBy: deciders,
        decidedAt: now.toISOString(),
        ...(input.comment ? { comment: input.comment } : {}),
      };
      Object.assign(next, {
        status: input.decision === 'reject' ? 'rejected' : 'approved',
        decidedBy: deciders,
        decidedAt: now.toISOString(),
        ...(input.comment ? { comment: input.comment } : {}),
        callback: 'pending',
        callbackOutput: outcome,
      });
    }
    if (!(await deps.approvals.replace(next, request.version))) continue;
    const saved = { ...next, version: request.version + 1 };

    await deps.audit.append(request.incidentId, {
      type: 'human.decision',
      actor: human(claims.p),
      summary: `${input.decision === 'approve' ? 'approved' : 'rejected'} ${request.approvalId}${completes ? '' : ` (${approvals} of ${request.requiredApprovals})`}`,
      data: {
        approvalId: request.approvalId,
        decision: input.decision,
        accepted: true,
        actionHash: request.actionHash,
        comment: input.comment ?? null,
        completes,
      },
    });
    await timeline(deps, request.incidentId, {
      actor: human(claims.p),
      type: completes ? 'approval.decided' : 'approval.vote',
      summary: completes
        ? `${saved.status} by ${saved.decidedBy?.join(', ')}${input.comment ? `: ${input.comment}` : ''}`
        : `${claims.p} approved (${approvals} of ${request.requiredApprovals})`,
      data: { approvalId: request.approvalId },
    });
    if (!completes) {
      return {
        approvalId: request.approvalId,
        status: 'pending',
        decision: input.decision,
        approver: claims.p,
        approvals,
        requiredApprovals: request.requiredApprovals,
        resumed: false,
        message: `approval recorded; ${request.requiredApprovals - approvals} more needed`,
      };
    }
    const sent = await sendCallback(deps, saved);
    if (sent === 'gone') {
      throw new GoneError(
        'your decision was recorded, but the workflow is no longer waiting for it; nothing was executed and the incident was handed to a person',
        'workflow_gone',
      );
    }
    return {
      approvalId: request.approvalId,
      status: saved.status,
      decision: input.decision,
      approver: claims.p,
      approvals,
      requiredApprovals: request.requiredApprovals,
      resumed: sent === 'sent',
      message:
        sent === 'sent'
          ? input.decision === 'approve'
            ? 'approved; the workflow resumes and runs the approved actions'
            : 'rejected; nothing will be executed'
          : 'decision recorded; resuming the workflow is being retried',
    };
  }
  throw new ConflictError(
    'the request changed while your decision was being recorded; please reload it',
    'concurrent_update',
  );
}

/**
 * Sends the recorded outcome to the waiting task, once. When the task is gone (the workflow stopped waiting for
 * some reason other than its fallback, which would have expired the request first), the decision stays recorded,
 * nothing runs, and the incident goes to a person: the request is not called expired, since no fallback ran.
 */
async function sendCallback(deps: ApprovalDeps, request: ApprovalRequest): Promise<'sent' | 'gone' | 'retry'> {
  try {
    await deps.workflow.sendTaskSuccess(request.taskToken, request.callbackOutput ?? {});
  } catch (error) {
    const name = (error as Error).name;
    if (GONE_TASK_ERRORS.has(name)) {
      await settle(deps, request.approvalId, (r) =>
        r.callback === 'failed' ? undefined : { ...r, callback: 'failed' },
      );
      await deps.scheduler.cancel(tickTimerId(request.approvalId));
      await handToPerson(
        deps,
        request,
        `the ${request.status === 'rejected' ? 'rejection' : 'approval'} of ${request.approvalId} arrived after the workflow stopped waiting (${name}); nothing was executed`,
      );
      return 'gone';
    }
    await deps.scheduler.schedule({
      timerId: tickTimerId(request.approvalId),
      dueAt: new Date(deps.clock.now().getTime() + CALLBACK_RETRY_MS),
      payload: { kind: 'approval-tick', approvalId: request.approvalId },
    });
    return 'retry';
  }
  await settle(deps, request.approvalId, (r) => ({ ...r, callback: 'sent' }));
  await deps.scheduler.cancel(tickTimerId(request.approvalId));
  await deps.store.update(request.incidentId, {
    agents: {
      approval: {
        approvalId: request.approvalId,
        status: request.status,
        decidedBy: request.decidedBy,
        decidedAt: request.decidedAt,
      },
    },
  });
  return 'sent';
}

/** The incident needs a person (unless one already has it): status, timeline, and a message to the service desk. */
async function handToPerson(deps: ApprovalDeps, request: ApprovalRequest, reason: string): Promise<void> {
  const incident = await deps.store.get(request.incidentId);
  const handled = incident && ['needs_human', 'escalated', 'resolved', 'closed'].includes(incident.status);
  await deps.store.update(request.incidentId, {
    ...(handled ? {} : { set: { status: 'needs_human' } }),
    append: [
      {
        at: deps.clock.now().toISOString(),
        actor: 'system',
        type: handled ? 'approval.late' : 'incident.flagged',
        summary: handled ? reason : `Needs a person: ${reason}`,
        data: { approvalId: request.approvalId },
      },
    ],
  });
  if (!handled) {
    await deps.notifier.send({
      channel: 'slack',
      recipient: process.env.SERVICE_DESK_CHANNEL ?? 'service-desk',
      text: `Incident ${request.incidentId} needs a person: ${reason}`,
      incidentId: request.incidentId,
      data: { approvalId: request.approvalId, kind: 'approval.workflow_gone' },
    });
  }
}

/** Applies a change with optimistic retries (for bookkeeping that must not be lost to a concurrent write). */
async function settle(
  deps: Pick<GateDeps, 'approvals' | 'clock'>,
  approvalId: string,
  change: (r: ApprovalRequest) => ApprovalRequest | undefined,
): Promise<ApprovalRequest | undefined> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await deps.approvals.get(approvalId);
    if (!current) return undefined;
    const next = change(current);
    if (!next) return current;
    if (await deps.approvals.replace(next, current.version)) return { ...next, version: current.version + 1 };
  }
  throw new ConflictError(`approval ${approvalId} kept changing; giving up this update`, 'concurrent_update');
}

/**
 * The approval timer: keeps the gate alive (SendTaskHeartbeat), reminds approvers before their window closes,
 * moves the request to the fallback group when the first window passes, and retries a callback that did not go
 * out. It stops at the final deadline, or when the gate no longer waits: expiring the request is the fallback's
 * job (the Escalate step), so a request is called expired only once the fallback really ran. Safe to run any
 * number of times.
 */
export async function tick(
  deps: ApprovalDeps,
  approvalId: string,
  timing: { heartbeatSeconds: number; reminderBeforeSeconds: number },
): Promise<{ action: string; next?: string }> {
  const request = await deps.approvals.get(approvalId);
  if (!request) return { action: 'unknown approval' };
  const now = deps.clock.now();
  if (isTerminal(request)) {
    if (request.callback === 'pending' && request.status !== 'expired') {
      const sent = await sendCallback(deps, request);
      return { action: `callback ${sent}` };
    }
    return { action: 'nothing: already decided' };
  }
  if (now.getTime() >= Date.parse(request.expiresAt)) {
    // The gate's own timeout fires now and its fallback expires the request.
    await deps.scheduler.cancel(tickTimerId(approvalId));
    return { action: 'stopped: the final deadline passed' };
  }
  try {
    await deps.workflow.sendTaskHeartbeat(request.taskToken);
  } catch (error) {
    if (GONE_TASK_ERRORS.has((error as Error).name)) {
      // Whatever closed the gate (its timeout, the workflow stopping) also hands the incident on; nothing to expire.
      await deps.scheduler.cancel(tickTimerId(approvalId));
      return { action: `stopped: the gate no longer waits (${(error as Error).name})` };
    }
    throw error;
  }
  let current = request;
  let action = 'heartbeat';
  const stage = currentStage(current);
  const tier = deps.policy.config.tiers[current.riskTier as 'medium' | 'high'];
  if (
    now.getTime() >= Date.parse(stage.expiresAt) &&
    tier?.fallback.action === 'reassign' &&
    current.stages.length === 1
  ) {
    const fallback = tier.fallback;
    const moved = await settle(deps, approvalId, (r) =>
      r.status !== 'pending' || r.stages.length !== 1
        ? undefined
        : {
            ...r,
            approverGroup: fallback.approverGroup,
            stages: [
              ...r.stages,
              {
                approverGroup: fallback.approverGroup,
                startedAt: now.toISOString(),
                expiresAt: new Date(
                  Math.min(Date.parse(r.expiresAt), now.getTime() + fallback.timeoutSeconds * 1000),
                ).toISOString(),
                reason: `${stage.approverGroup} did not decide by ${stage.expiresAt}`,
              },
            ],
          },
    );
    if (moved && moved.stages.length === 2) {
      current = moved;
      action = `reassigned to ${fallback.approverGroup}`;
      await timeline(deps, current.incidentId, {
        actor: 'system',
        type: 'approval.reassigned',
        summary: `${stage.approverGroup} did not decide in time; ${fallback.approverGroup} decides until ${currentStage(current).expiresAt}`,
        data: { approvalId },
      });
      await deps.audit.append(current.incidentId, {
        type: 'approval.reassigned',
        actor: 'system',
        summary: `approval ${approvalId} moved from ${stage.approverGroup} to ${fallback.approverGroup}`,
        data: {
          approvalId,
          from: stage.approverGroup,
          to: fallback.approverGroup,
          expiresAt: currentStage(current).expiresAt,
        },
      });
      await notifyApprovers(deps, current, 'reassigned');
    }
  } else if (!stage.remindedAt && now.getTime() >= Date.parse(stage.expiresAt) - timing.reminderBeforeSeconds * 1000) {
    const reminded = await settle(deps, approvalId, (r) => {
      const last = currentStage(r);
      if (r.status !== 'pending' || last.remindedAt) return undefined;
      return { ...r, stages: [...r.stages.slice(0, -1), { ...last, remindedAt: now.toISOString() }] };
    });
    if (reminded && currentStage(reminded).remindedAt === now.toISOString()) {
      current = reminded;
      action = 'reminded';
      await notifyApprovers(deps, current, 'reminder');
      await timeline(deps, current.incidentId, {
        actor: 'system',
        type: 'approval.reminder',
        summary: `reminded ${currentStage(current).approverGroup}: decide by ${currentStage(current).expiresAt}`,
        data: { approvalId },
      });
    }
  }
  const next = nextTickAt(current, timing.heartbeatSeconds, timing.reminderBeforeSeconds, now);
  await deps.scheduler.schedule({
    timerId: tickTimerId(approvalId),
    dueAt: next,
    payload: { kind: 'approval-tick', approvalId },
  });
  return { action, next: next.toISOString() };
}

/** Marks a pending request expired (the gate timed out): later decisions get 410. Idempotent. */
export async function expire(deps: ExpireDeps, approvalId: string, reason: string): Promise<boolean> {
  const before = await deps.approvals.get(approvalId);
  if (before?.status !== 'pending') return false;
  const after = await settle(deps, approvalId, (r) =>
    r.status === 'pending' ? { ...r, status: 'expired' } : undefined,
  );
  if (after?.status !== 'expired') return false;
  await deps.scheduler.cancel(tickTimerId(approvalId));
  await deps.store.update(before.incidentId, {
    agents: { approval: { approvalId, status: 'expired', expiredAt: deps.clock.now().toISOString() } },
    append: [
      {
        at: deps.clock.now().toISOString(),
        actor: 'system',
        type: 'approval.expired',
        summary: `no decision on ${approvalId}: ${reason}`,
        data: { approvalId },
      },
    ],
  });
  return true;
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
