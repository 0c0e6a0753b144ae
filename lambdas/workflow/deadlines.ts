import type { ApprovalDeadlines } from './plan/core';

const seconds = (name: string, fallback: number): number => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/**
 * Approval deadlines per risk tier, set per stage by the stack (and shortened by tests). Defaults: medium waits an
 * hour for an asynchronous approval, high ten minutes for a real-time one. A gate that hears no heartbeat (the
 * reminder sends one) for 90% of its window gives up early: the approval channel is evidently broken.
 */
export function approvalDeadlines(): ApprovalDeadlines {
  const medium = seconds('APPROVAL_TIMEOUT_MEDIUM_SECONDS', 3600);
  const high = seconds('APPROVAL_TIMEOUT_HIGH_SECONDS', 600);
  return {
    timeoutSeconds: { medium, high },
    heartbeatSeconds: {
      medium: seconds('APPROVAL_HEARTBEAT_MEDIUM_SECONDS', Math.max(1, Math.floor(medium * 0.9))),
      high: seconds('APPROVAL_HEARTBEAT_HIGH_SECONDS', Math.max(1, Math.floor(high * 0.9))),
    },
  };
}
