/**
 * The API shapes the console reads. Incidents, metrics and agent results come straight from the backend's own types
 * (agent results from `lambdas/agents/agent-results.ts`); agent results are read defensively (an agent may not have
 * run, may have failed, or may be older than this console), so their fields are optional ({@link StoredResult}).
 */

import type {
  DependencyResult,
  Diagnosis,
  LogAnalysisResult,
  SentimentResult,
  StoredResult,
} from '../../lambdas/agents/agent-results';
import type { Incident, TimelineEntry } from '../../lambdas/core/incident';
import type { OutcomeSummary } from '../../lambdas/metrics/outcome-summary';
import type { ApprovalRequest } from '../../lambdas/ports/approval-store';

export type { Incident, OutcomeSummary, TimelineEntry };

/** `GET /approvals`: the stored request without its task token. */
export type ApprovalView = Omit<ApprovalRequest, 'taskToken' | 'usedTokenIds' | 'callbackOutput'>;

/** `GET /approvals/{id}?token=`: the request and what the link's holder may do. */
export interface ApprovalReview {
  request: ApprovalView;
  you: { approver: string; canDecide: boolean; why?: string; status?: number; linkExpiresAt?: string };
}

/** `POST /approvals/{id}/decision`. */
export interface DecisionResult {
  approvalId: string;
  status: string;
  decision: 'approve' | 'reject';
  approver: string;
  approvals: number;
  requiredApprovals: number;
  resumed: boolean;
  message: string;
}

/** The reasoning an approval request carries (built by the planner). */
export interface ApprovalReasoning {
  summary?: string;
  rationale?: string;
  notes?: string[];
  triage?: { priority?: string; category?: string; assignmentGroup?: string; confidence?: number; rationale?: string };
  knowledge?: { articleId: string; title: string; score: number }[];
  policy?: {
    type: string;
    target: string;
    risk?: string;
    verdict?: { allowed?: boolean; autonomous?: boolean; because?: string[] };
  }[];
  blocked?: { type: string; target: string; reason?: string }[];
  dryRun?: { status?: string; summary?: string; outcomes?: unknown[] };
  incident?: { externalId?: string; title?: string; service?: string; priority?: string };
}

/** `agents.sentiment`, as the sentiment agent writes it. */
export type SentimentView = StoredResult<SentimentResult>;

/** `agents['log-analysis']`, as the log-analysis agent writes it. */
export type LogAnalysisView = StoredResult<LogAnalysisResult>;

/** One component on the dependency path. */
export type RelatedComponentView = DependencyResult['dependencies'][number];

/** `agents.dependency`, as the dependency agent writes it. */
export type DependencyView = StoredResult<DependencyResult>;

/** `agents.diagnosis`: ranked root-cause hypotheses with the evidence each cites. */
export type DiagnosisView = StoredResult<Diagnosis>;

/** `agents.plan`. */
export interface PlanView {
  planId?: string;
  actions?: {
    type: string;
    risk: string;
    target: string;
    reason: string;
    runbook?: { id: string; title?: string; parameters?: Record<string, string> };
  }[];
  blocked?: { type: string; target: string; reason: string }[];
  riskTier?: string;
  requiresApproval?: boolean;
  rationale?: string;
  notes?: string[];
  remediation?: { runbookId?: string; personTakesOver?: boolean; why?: string };
}

/** `GET /incidents/{id}/audit/verify`. */
export interface AuditVerificationView {
  incidentId: string;
  ok: boolean;
  records: number;
  comparedWithExport: number;
  head?: { seq: number; hash: string };
  problems: { seq: number; kind: string; message: string }[];
}

/** `GET /incidents/{id}/audit`. */
export interface AuditRecordsView {
  incidentId: string;
  records: { seq: number; at: string; type: string; actor: string; summary: string; hash: string }[];
}

/** `GET /notifications` (local runtime only): the outbox standing in for people's inboxes. */
export interface NotificationView {
  notificationId: string;
  channel: string;
  recipient: string;
  subject?: string;
  text: string;
  incidentId?: string;
  links?: { rel: string; href: string; method?: string }[];
  data?: Record<string, unknown>;
  sentAt: string;
}
