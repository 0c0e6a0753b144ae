import * as z from 'zod';
import type { Incident, Priority } from '../core/incident';
import { type AgentStepId, agentName } from '../function-catalogue';
import type { TicketPerson } from '../itsm/ticket';
import type { ChangeRecord, TopologyNode } from '../ports/topology';
import { Diagnosis } from './diagnosis/diagnosis';
import type { LogAnomalyReport } from './log-analysis/anomalies';

/*
 * The results agent steps keep on an incident under `agents.<agent>`, as other steps, tools and the console may read
 * them: one zod schema per agent. Readers parse leniently (extra fields pass), so an agent that was down, skipped or
 * changed its shape leaves its reader with `undefined`, never a crash. Each agent's own result type must satisfy its
 * schema: the `satisfies` checks at the bottom fail to compile when an agent drops a field its readers rely on.
 */

// What each agent writes: its result type, exported again by the agent's core.

/** One comment on the ticket, as sentiment reads it. */
export interface TicketComment {
  id: string;
  at: string;
  author?: string;
  text: string;
}

export interface ScoredComment extends TicketComment {
  score: number;
  cues: string[];
  escalationRequest: boolean;
}

export interface SentimentResult {
  status: 'scored' | 'skipped';
  reason?: string;
  comments: Omit<ScoredComment, 'text'>[];
  /** Score of the latest comment, -1..1. */
  current: number;
  average: number;
  /** Change per comment (least squares); negative means getting worse. */
  trend: number;
  trendLabel: 'improving' | 'stable' | 'worsening';
  escalation: {
    raised: boolean;
    reasons: string[];
    /** What a person should do: take the ticket over, or offer the reporter a call. */
    recommendation?: 'assign-senior-agent' | 'offer-callback';
  };
  /** `lexicon` or the model that scored the comments. */
  scoredBy: string;
  summary: string;
}

export interface LogAnalysisResult extends Partial<LogAnomalyReport> {
  status: 'analysed' | 'skipped';
  reason?: string;
  service?: string;
  window?: { start: string; end: string };
  baseline?: { start: string; end: string };
  sources?: string[];
  truncated?: boolean;
  /** What most likely went wrong, in words, citing anomaly keys. */
  summary: string;
  /** `rules` or the model that wrote the summary. */
  summaryBy: string;
  /** 0..1: the strongest anomaly's confidence, discounted when little was logged. */
  confidence: number;
}

export interface RelatedComponent {
  id: string;
  /** Hops from the affected service. */
  depth: number;
  /** The chain from the affected service to this component. */
  path: string[];
  kind?: string;
  owner?: string;
  criticality?: TopologyNode['criticality'];
}

export interface Suspect {
  component: string;
  /** 0..1, for ranking: recent changes and closeness to the affected service. */
  score: number;
  reasons: string[];
  changeIds: string[];
}

export interface DependencyResult {
  status: 'mapped' | 'skipped';
  reason?: string;
  service?: string;
  /** How the affected service was found in the graph. */
  matchedBy?: 'id' | 'alias' | 'name' | 'title';
  /** Upstream: what the service depends on (directly or not): where a cause may sit. */
  dependencies: RelatedComponent[];
  /** Downstream: what depends on the service: the blast radius. */
  dependents: RelatedComponent[];
  blastRadius: { components: number; highCriticality: string[]; owners: string[] };
  /** Changes on the service, its dependencies and its direct dependents in the lookback window, newest first. */
  changes: ChangeRecord[];
  suspects: Suspect[];
  confidence: number;
  summary: string;
}

export type FulfilmentStatus =
  | 'not_a_request'
  | 'needs_information'
  | 'runbook_missing'
  | 'needs_approval'
  | 'refused'
  | 'fulfilled'
  | 'failed'
  | 'interrupted';

/** The fulfilment agent's result, kept under `agents.fulfilment`. */
export interface FulfilmentResult {
  status: FulfilmentStatus;
  summary: string;
  itemId?: string;
  itemTitle?: string;
  runbookId?: string;
  confidence?: number;
  values?: Record<string, string>;
  /** The policy's verdict on running the item's runbook without a person. */
  verdict?: { allowed: boolean; autonomous: boolean; because: string[] };
  /** What would run, for a person (or the approval gate) to approve: the runbook, its version and parameters. */
  proposal?: { runbookId: string; version: string; parameters: Record<string, string>; service: string };
  run?: { status: string; summary: string; steps: number };
  /** The reply to the requester, once fulfilled. */
  reply?: string;
}

export interface CandidateTeam {
  group: string;
  /** Position in the category's skill list (0 = the owning team). */
  skillRank: number;
  inHours: boolean;
  onCall?: { name: string; email?: string; until?: string; source: 'rotation' | 'pagerduty' };
  open: number;
  capacity: number;
  /** Open incidents over capacity, 0..; above 1 the team is overloaded. */
  load: number;
  eligible: boolean;
  why: string;
}

/** The routing agent's decision, kept on the incident under `agents.routing`. */
export interface RoutingDecision {
  group: string;
  /** The person who takes it now (on call, or for urgent incidents), if any; else the group's queue. */
  assignee?: TicketPerson & { until?: string; source: 'rotation' | 'pagerduty' };
  category: string;
  priority: Priority;
  candidates: CandidateTeam[];
  reason: string;
  /** The note for the team that takes over. */
  summary: string;
  decidedAt: string;
}

// What readers parse.

/** `agents.sentiment`: score and trend of the ticket comments, and the escalation flag. */
export const SentimentResultSchema = z.looseObject({
  status: z.string().optional(),
  current: z.number(),
  trendLabel: z.string(),
  summary: z.string(),
  escalation: z
    .looseObject({
      raised: z.boolean(),
      reasons: z.array(z.string()).default([]),
      recommendation: z.string().optional(),
    })
    .optional(),
});
export type SentimentResultView = z.infer<typeof SentimentResultSchema>;

/** `agents['log-analysis']`: anomalies of the affected service's logs against its baseline. */
export const LogAnalysisResultSchema = z.looseObject({
  status: z.string().optional(),
  summary: z.string(),
  confidence: z.number().optional(),
  service: z.string().optional(),
  anomalies: z
    .array(
      z.looseObject({
        kind: z.string(),
        key: z.string(),
        description: z.string(),
        count: z.number(),
        ratio: z.number().optional(),
      }),
    )
    .optional(),
});
export type LogAnalysisResultView = z.infer<typeof LogAnalysisResultSchema>;

/** `agents.dependency`: blast radius and ranked suspects on the service's dependency path. */
export const DependencyResultSchema = z.looseObject({
  status: z.string().optional(),
  summary: z.string(),
  confidence: z.number().optional(),
  blastRadius: z
    .looseObject({ components: z.number(), highCriticality: z.array(z.string()), owners: z.array(z.string()) })
    .optional(),
  suspects: z
    .array(
      z.looseObject({
        component: z.string(),
        score: z.number(),
        reasons: z.array(z.string()),
        changeIds: z.array(z.string()),
      }),
    )
    .optional(),
});
export type DependencyResultView = z.infer<typeof DependencyResultSchema>;

/** `agents.fulfilment`: what became of a service request. */
export const FulfilmentResultSchema = z.looseObject({
  status: z.string(),
  summary: z.string().optional(),
  itemTitle: z.string().optional(),
});
export type FulfilmentResultView = z.infer<typeof FulfilmentResultSchema>;

/** `agents.routing`: the team (and person) that owns the incident, and why. */
export const RoutingResultSchema = z.looseObject({
  group: z.string(),
  reason: z.string().optional(),
  summary: z.string().optional(),
  assignee: z
    .looseObject({
      name: z.string(),
      email: z.string().optional(),
      ids: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});
export type RoutingResultView = z.infer<typeof RoutingResultSchema>;

/** `agents.diagnosis`: ranked root-cause hypotheses with the evidence each cites. */
export const DiagnosisResultSchema = Diagnosis;
export type { Diagnosis };

const schemas = {
  Sentiment: SentimentResultSchema,
  LogAnalysis: LogAnalysisResultSchema,
  Dependency: DependencyResultSchema,
  Fulfilment: FulfilmentResultSchema,
  EscalationRouting: RoutingResultSchema,
  Diagnose: DiagnosisResultSchema,
} satisfies Partial<Record<AgentStepId, z.ZodType>>;

/** The agent steps whose results have a schema here. */
export type ReadableAgentStep = keyof typeof schemas;

/**
 * The result of agent step `step` on `incident`, parsed by its schema; `undefined` when the agent has not run, was
 * skipped, failed, or left a result of another shape.
 */
export function agentResult<K extends ReadableAgentStep>(
  incident: Pick<Incident, 'agents'>,
  step: K,
): z.infer<(typeof schemas)[K]> | undefined {
  const parsed = schemas[step].safeParse(incident.agents?.[agentName(step)]);
  if (!parsed.success) return undefined;
  const status = (parsed.data as { status?: unknown }).status;
  return status === 'skipped' || status === 'failed' ? undefined : (parsed.data as z.infer<(typeof schemas)[K]>);
}

// What each agent writes satisfies what its readers parse (compile-time only).
type Known<T> = T extends readonly (infer U)[]
  ? Known<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Known<T[K]> }
    : T;
type Writes<T, Schema extends z.ZodType> = T extends Known<z.input<Schema>> ? true : never;
export const resultsMatchTheirWriters: [
  Writes<SentimentResult, typeof SentimentResultSchema>,
  Writes<LogAnalysisResult, typeof LogAnalysisResultSchema>,
  Writes<DependencyResult, typeof DependencyResultSchema>,
  Writes<FulfilmentResult, typeof FulfilmentResultSchema>,
  Writes<RoutingDecision, typeof RoutingResultSchema>,
] = [true, true, true, true, true];

/**
 * An agent's result as a reader outside the workflow (the console) may find it stored: any field may be missing (an
 * older result, or a failed run, which keeps only its error), so every top-level field but the status is optional.
 */
export type StoredResult<T extends { status: string }> = Partial<Omit<T, 'status'>> & {
  status: T['status'] | 'failed';
  /** A failed run: the error's name and message. */
  error?: string;
  message?: string;
};
