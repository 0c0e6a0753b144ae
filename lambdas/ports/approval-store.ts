export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired';

/** One person's decision on a request. */
export interface ApprovalVote {
  approver: string;
  decision: 'approve' | 'reject';
  at: string;
  comment?: string;
  /** The single-use link token it came with. */
  tokenId: string;
}

/** One approver group's window: the first group, then each fallback reassignment. */
export interface ApprovalStage {
  approverGroup: string;
  startedAt: string;
  expiresAt: string;
  /** Why this stage started (`requested`, `reassigned after ... passed`). */
  reason: string;
  /** When the reminder for this stage went out. */
  remindedAt?: string;
}

/** One action of the plan exactly as approvers see it and as the hash covers it. */
export interface ApprovalAction {
  type: string;
  risk: string;
  target: string;
  reason: string;
  runbook?: { id: string; version: string; title: string; parameters: Record<string, string> };
}

/**
 * A request for people to approve a planned action. The task token never leaves the store: API views drop it.
 * `version` guards every change (optimistic concurrency): the decision that moves a request out of `pending`
 * wins exactly once, so exactly one callback is ever sent.
 */
export interface ApprovalRequest {
  approvalId: string;
  incidentId: string;
  planId: string;
  executionArn?: string;
  /** Hash of the exact planned actions: every decision and every link is bound to it. */
  actionHash: string;
  actions: ApprovalAction[];
  /** What approvers are shown: summary, rationale, triage, knowledge, policy verdicts, runbook dry run. */
  reasoning: Record<string, unknown>;
  riskTier: string;
  /** `async`: approve when you can; `realtime`: a person is paged now. */
  mode: 'async' | 'realtime';
  channel: string;
  approverGroup: string;
  stages: ApprovalStage[];
  requiredApprovals: number;
  votes: ApprovalVote[];
  /** Ids of link tokens already used: each works once. */
  usedTokenIds: string[];
  /** Who asked for the action (the ticket's reporter); may not approve it. */
  requestedBy?: string;
  /** Who proposed it (`agent:planner` or a person); a person who proposed may not approve it. */
  proposedBy: string;
  taskToken: string;
  status: ApprovalStatus;
  requestedAt: string;
  /** The gate's final deadline (all stages). */
  expiresAt: string;
  decidedBy?: string[];
  decidedAt?: string;
  comment?: string;
  /**
   * The Step Functions callback: `pending` between the decision and SendTask, `sending` while it is out (still
   * there after a crash: whether it arrived is unknown), `sent` after.
   */
  callback: 'none' | 'pending' | 'sending' | 'sent' | 'failed';
  callbackOutput?: Record<string, unknown>;
  /**
   * How far announcing the request got: `notified` once every approver was sent a link, `announced` once the ticket
   * note and the reminder timer are out too. A re-run HumanGate step (after a crash) finishes what is missing.
   */
  announced?: 'notified' | 'announced';
  version: number;
}

export interface ApprovalStore {
  /** Creates a request; creating the same id again is a no-op returning false (a retried step). */
  create(request: ApprovalRequest): Promise<boolean>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  /** Newest first, optionally by status. */
  list(options?: { status?: ApprovalStatus; limit?: number }): Promise<ApprovalRequest[]>;
  /**
   * Writes `next` only if the stored version is still `expectedVersion` (and bumps it); false when someone else
   * changed the request first. Callers re-read and decide again.
   */
  replace(next: ApprovalRequest, expectedVersion: number): Promise<boolean>;
}
