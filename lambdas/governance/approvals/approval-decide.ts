/** A person's decision through their link, and the callback that resumes the waiting workflow. */

import type { ApprovalRequest, ApprovalVote } from '../../ports/approval-store';
import { ConflictError, GoneError } from '../governance-errors';
import {
  type ApprovalDeps,
  CALLBACK_RETRY_MS,
  type Decision,
  type GateOutcome,
  GONE_TASK_ERRORS,
  human,
  loadRequest,
  MAX_ATTEMPTS,
  readToken,
  refusal,
  settle,
  tickTimerId,
  timeline,
} from './approval-gate';

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
 *
 * The request is marked `sending` while the callback is out. Finding that mark again means an earlier attempt died
 * (a crash) without knowing whether its callback arrived; if the task is gone now, it did arrive: the task ended
 * with it, since a task that ended by its fallback would have expired the request. That is `sent`, not a person's job.
 */
export async function sendCallback(deps: ApprovalDeps, request: ApprovalRequest): Promise<'sent' | 'gone' | 'retry'> {
  const outcomeUnknown = request.callback === 'sending';
  if (!outcomeUnknown) {
    await settle(deps, request.approvalId, (r) =>
      r.callback === 'pending' ? { ...r, callback: 'sending' } : undefined,
    );
  }
  try {
    await deps.workflow.sendTaskSuccess(request.taskToken, request.callbackOutput ?? {});
  } catch (error) {
    const name = (error as Error).name;
    if (GONE_TASK_ERRORS.has(name) && outcomeUnknown) {
      await settle(deps, request.approvalId, (r) => ({ ...r, callback: 'sent' }));
      await deps.scheduler.cancel(tickTimerId(request.approvalId));
      return 'sent';
    }
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
    // It did not arrive (the service said so): the next attempt starts from `pending` again.
    await settle(deps, request.approvalId, (r) =>
      r.callback === 'sending' ? { ...r, callback: 'pending' } : undefined,
    );
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
