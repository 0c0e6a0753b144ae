/**
 * The approval gate's shared parts: its dependencies, the request's stages and timer, the links and messages
 * approvers get, and the optimistic update every part of the gate writes through.
 */

import type { TimelineEntry } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import type { ApprovalRequest, ApprovalStage, ApprovalStore } from '../../ports/approval-store';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import type { Notification, Notifier } from '../../ports/notifier';
import { type Scheduler, timerId } from '../../ports/scheduler';
import type { Workflow } from '../../ports/workflow';
import { NotFoundError, UnauthorizedError } from '../../shared/errors';
import { membersOf } from '../governance-config';
import { ConflictError, ForbiddenError, GoneError } from '../governance-errors';
import type { GovernancePolicy } from '../policy/governance-policy';
import { InvalidLinkTokenError, type LinkClaims, mintLinkToken, verifyLinkToken } from './link-tokens';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
export const PLANNER = stepActor('Plan');

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

export const MAX_ATTEMPTS = 6;
/** Callback errors meaning the task is gone: its window closed (or it ended) before the decision arrived. */
export const GONE_TASK_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** A decided request whose callback did not go out is retried this long after the decision. */
export const CALLBACK_RETRY_MS = 30_000;

export const tickTimerId = (approvalId: string) => timerId('approval', approvalId);

export const isTerminal = (r: ApprovalRequest) => r.status !== 'pending';
export const currentStage = (r: ApprovalRequest): ApprovalStage => r.stages[r.stages.length - 1]!;
export const epochSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The identity a person acts under in the trail. */
export const human = (approver: string) => `human:${approver}`;

export async function timeline(
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

export function describeActions(request: Pick<ApprovalRequest, 'actions'>): string {
  return request.actions
    .map(
      (a, i) =>
        `${i + 1}. ${a.type} ${a.target} [${a.risk}]${a.runbook ? ` — runbook ${a.runbook.id} ${JSON.stringify(a.runbook.parameters)}` : ''}: ${a.reason}`,
    )
    .join('\n');
}

export function links(
  deps: Pick<GateDeps, 'baseUrl'>,
  approvalId: string,
  token: string,
): NonNullable<Notification['links']> {
  const base = `${deps.baseUrl.replace(/\/$/, '')}/approvals/${encodeURIComponent(approvalId)}`;
  const t = encodeURIComponent(token);
  return [
    { rel: 'review', href: `${base}?token=${t}`, method: 'GET' },
    { rel: 'approve', href: `${base}/decision?decision=approve&token=${t}`, method: 'POST' },
    { rel: 'reject', href: `${base}/decision?decision=reject&token=${t}`, method: 'POST' },
  ];
}

/** Sends every member of the current stage's group a personal message with their own links. */
export async function notifyApprovers(
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

export async function loadRequest(deps: Pick<GateDeps, 'approvals'>, approvalId: string): Promise<ApprovalRequest> {
  const request = await deps.approvals.get(approvalId);
  if (!request) throw new NotFoundError(`approval ${approvalId} does not exist`);
  return request;
}

export function decidedMessage(request: ApprovalRequest): string {
  const who = request.decidedBy?.join(', ') ?? 'someone';
  return `this request was already ${request.status} by ${who} at ${request.decidedAt}; nothing changed`;
}

/** Only for a request the fallback (Escalate) really expired: nothing ran and on-call was paged. */
export function expiredMessage(request: ApprovalRequest): string {
  return `this request expired at ${request.expiresAt} without a decision; the safe fallback applied (nothing was executed, on-call took over)`;
}

/** The deadline passed but the gate's fallback has not run yet: say what is about to happen, not that it did. */
export function closingMessage(request: ApprovalRequest): string {
  return `the decision window closed at ${request.expiresAt}; the safe fallback is taking over (nothing will be executed, on-call is paged)`;
}

/**
 * Why a decision by `claims.p` cannot count now, as the error to answer with, or undefined when it can.
 * Order matters: a decided request is 409 even after its deadline; a closed window is 410.
 */
export function refusal(
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

/** Applies a change with optimistic retries (for bookkeeping that must not be lost to a concurrent write). */
export async function settle(
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
