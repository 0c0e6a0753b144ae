/** What gets recorded: every agent decision, policy evaluation, human decision, action and ITSM write. */
export type AuditType =
  | 'agent.decision'
  | 'policy.evaluation'
  | 'approval.requested'
  | 'approval.reassigned'
  | 'human.decision'
  | 'action.executed'
  | 'action.blocked'
  | 'itsm.write'
  | 'escalation'
  | 'sla.started'
  | 'sla.paused'
  | 'sla.resumed'
  | 'sla.breach'
  // Verification of a remediation, and the incident's final outcome class.
  | 'recovery.verified'
  | 'outcome.recorded'
  // The knowledge loop: a draft article from a verified fix, and a person's approval of it.
  | 'knowledge.drafted'
  | 'knowledge.approved';

export interface AuditEntry {
  type: AuditType;
  /** `agent:<name>`, `policy`, `human:<id>`, `executor`, `system`. */
  actor: string;
  summary: string;
  data: Record<string, unknown>;
}

/** One link of an incident's chain. `hash` covers every other field, `prevHash` the previous record's hash. */
export interface AuditRecord extends AuditEntry {
  incidentId: string;
  /** 1, 2, 3, ... without gaps. */
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** Append-only, hash-chained record per incident. Appends never overwrite: a lost race retries on the new head. */
export interface AuditTrail {
  append(incidentId: string, entry: AuditEntry): Promise<AuditRecord>;
  /** Every record of an incident, by `seq`. */
  list(incidentId: string): Promise<AuditRecord[]>;
}

/** The write-once copy of the trail (S3 with Object Lock in AWS, a folder locally) that verification compares with. */
export interface AuditExport {
  put(record: AuditRecord): Promise<void>;
  list(incidentId: string): Promise<AuditRecord[]>;
}
