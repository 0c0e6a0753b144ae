/** The approval timer (heartbeat, reminder, fallback stage, callback retry) and expiry by the Escalate step. */

import { sendCallback } from './approval-decide';
import {
  type ApprovalDeps,
  currentStage,
  type ExpireDeps,
  GONE_TASK_ERRORS,
  isTerminal,
  nextTickAt,
  notifyApprovers,
  settle,
  tickTimerId,
  timeline,
} from './approval-gate';

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
    if ((request.callback === 'pending' || request.callback === 'sending') && request.status !== 'expired') {
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
