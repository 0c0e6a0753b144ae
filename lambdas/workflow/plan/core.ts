import { sha256Hex } from '../../core/ids';
import type { Incident } from '../../core/incident';

export type RiskTier = 'low' | 'medium' | 'high';

export interface PlannedAction {
  type: 'assign' | 'post-work-note' | 'human-review' | 'run-runbook';
  risk: RiskTier;
  target: string;
  reason: string;
}

export interface ApprovalDeadlines {
  /** Seconds a person has to decide, per tier. */
  timeoutSeconds: Record<Exclude<RiskTier, 'low'>, number>;
  /** Seconds without a heartbeat after which the gate gives up, per tier (must be below the timeout). */
  heartbeatSeconds: Record<Exclude<RiskTier, 'low'>, number>;
}

export interface Plan {
  planId: string;
  actions: PlannedAction[];
  riskTier: RiskTier;
  requiresApproval: boolean;
  /** Hash of the exact actions: an approval is bound to it, and execution checks it. */
  actionHash: string;
  approvalTimeoutSeconds: number;
  heartbeatSeconds: number;
  rationale: string;
}

/** Below this triage confidence a person confirms before Lumos acts. */
export const REVIEW_CONFIDENCE = 0.6;
const ORDER: RiskTier[] = ['low', 'medium', 'high'];

/**
 * First-cut planner: route to the assignment group and post the first response (low risk); ask a person to confirm
 * when triage is unsure (medium) or the incident is P1 (high: real-time). The actions come from structured triage
 * output only, never from ticket text.
 */
export function planResponse(incident: Incident, deadlines: ApprovalDeadlines): Plan {
  const triage = incident.triage;
  const actions: PlannedAction[] = [];
  const group = triage?.assignmentGroup ?? 'Service Desk';
  actions.push({
    type: 'assign',
    risk: 'low',
    target: group,
    reason: `owner of ${triage?.category ?? 'unclassified'} incidents`,
  });
  actions.push({
    type: 'post-work-note',
    risk: 'low',
    target: incident.externalId,
    reason: 'first response with triage and knowledge',
  });
  if (!triage || triage.confidence < REVIEW_CONFIDENCE) {
    actions.push({
      type: 'human-review',
      risk: 'medium',
      target: group,
      reason: triage
        ? `triage confidence ${triage.confidence} is below ${REVIEW_CONFIDENCE}`
        : 'triage produced no result',
    });
  }
  if (incident.priority === 'P1') {
    actions.push({
      type: 'human-review',
      risk: 'high',
      target: group,
      reason: 'P1 incidents are confirmed by a person in real time',
    });
  }
  const riskTier = actions.reduce<RiskTier>(
    (max, a) => (ORDER.indexOf(a.risk) > ORDER.indexOf(max) ? a.risk : max),
    'low',
  );
  const actionHash = sha256Hex(JSON.stringify(actions));
  const gated = riskTier !== 'low';
  return {
    planId: `plan-${incident.incidentId}-${actionHash.slice(0, 12)}`,
    actions,
    riskTier,
    requiresApproval: gated,
    actionHash,
    approvalTimeoutSeconds: gated ? deadlines.timeoutSeconds[riskTier] : 0,
    heartbeatSeconds: gated ? deadlines.heartbeatSeconds[riskTier] : 0,
    rationale: actions.map((a) => `${a.type} (${a.risk}): ${a.reason}`).join('; '),
  };
}
