import type { GovernanceConfig, RiskTier } from '../governance/governance-config';

/** How long a tier's gate waits, and how it stays alive. */
export interface TierDeadlines {
  /** Seconds of each approver stage: the tier's group first, then each fallback group. */
  stageSeconds: number[];
  /** The gate's TimeoutSeconds: every stage together. */
  timeoutSeconds: number;
  /** The gate's HeartbeatSeconds; the approval timer heartbeats at least twice within it. */
  heartbeatSeconds: number;
  /** The reminder goes out this long before a stage ends. */
  reminderBeforeSeconds: number;
}

export type ApprovalDeadlines = Record<Exclude<RiskTier, 'low'>, TierDeadlines>;

const positive = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
};

function tierOverrides(env: NodeJS.ProcessEnv): Partial<Record<RiskTier, number>> {
  try {
    const parsed = JSON.parse(env.APPROVAL_TIMEOUT_SECONDS ?? '{}') as Record<string, unknown>;
    return { medium: positive(parsed.medium), high: positive(parsed.high) };
  } catch {
    return {};
  }
}

/**
 * Approval deadlines per tier: `governance.yaml` (with its stage overrides), where the stack's stage settings
 * (`APPROVAL_TIMEOUT_SECONDS` as JSON per tier, `APPROVAL_HEARTBEAT_SECONDS`) or per-tier variables
 * (`APPROVAL_TIMEOUT_<TIER>_SECONDS`, `APPROVAL_HEARTBEAT_<TIER>_SECONDS`) override the first stage's window.
 */
export function approvalDeadlines(config: GovernanceConfig, env: NodeJS.ProcessEnv = process.env): ApprovalDeadlines {
  const overrides = tierOverrides(env);
  const build = (tier: 'medium' | 'high'): TierDeadlines => {
    const policy = config.tiers[tier];
    const first =
      positive(env[`APPROVAL_TIMEOUT_${tier.toUpperCase()}_SECONDS`]) ?? overrides[tier] ?? policy.timeoutSeconds;
    const stageSeconds = [first, ...(policy.fallback.action === 'reassign' ? [policy.fallback.timeoutSeconds] : [])];
    const timeoutSeconds = stageSeconds.reduce((a, b) => a + b, 0);
    const heartbeat =
      positive(env[`APPROVAL_HEARTBEAT_${tier.toUpperCase()}_SECONDS`]) ??
      positive(env.APPROVAL_HEARTBEAT_SECONDS) ??
      policy.heartbeatSeconds;
    return {
      stageSeconds,
      timeoutSeconds,
      // A heartbeat window longer than the whole gate would never matter; keep it meaningful.
      heartbeatSeconds: Math.max(2, Math.min(heartbeat, timeoutSeconds)),
      reminderBeforeSeconds: Math.min(policy.reminderBeforeSeconds, Math.max(1, Math.floor(first / 2))),
    };
  };
  return { medium: build('medium'), high: build('high') };
}
