/** A request for a person to approve a planned action. The task token never leaves the store. */
export interface ApprovalRequest {
  approvalId: string;
  incidentId: string;
  planId: string;
  /** Hash of the exact planned actions: the decision is bound to it. */
  actionHash: string;
  riskTier: string;
  approverGroup: string;
  taskToken: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

export interface ApprovalStore {
  create(request: ApprovalRequest): Promise<void>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  listPending(): Promise<ApprovalRequest[]>;
  /**
   * Moves a pending request to a decided state exactly once (conditional write); returns false when it was no
   * longer pending, so a second decision can never send a second callback.
   */
  decide(
    approvalId: string,
    decision: Pick<ApprovalRequest, 'status' | 'decidedBy' | 'decidedAt' | 'comment'>,
  ): Promise<boolean>;
}
