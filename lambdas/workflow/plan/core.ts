import { agentResult } from '../../agents/agent-results';
import { type Diagnosis, diagnosisOf, type Hypothesis } from '../../agents/diagnosis/diagnosis';
import { DependencyView, readAgent } from '../../agents/diagnosis/evidence';
import { sha256Hex } from '../../core/ids';
import type { Incident, TimelineEntry } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import { agentDecisionEntry } from '../../governance/audit/agent-decisions';
import { canonicalJson } from '../../governance/audit/audit-chain';
import {
  autonomyOf,
  type GovernanceConfig,
  membersOf,
  RISK_RANK,
  type RiskTier,
  serviceOf,
} from '../../governance/governance-config';
import type { ActionVerdict, GovernancePolicy } from '../../governance/policy/governance-policy';
import {
  type LoadedRunbook,
  RunbookParameterError,
  resolveParameters,
  runbookRisk,
} from '../../governance/runbooks/runbook-catalogue';
import type { RunbookRun } from '../../governance/runbooks/runbook-runner';
import type { AuditEntry } from '../../ports/audit';
import type { ApprovalDeadlines } from '../deadlines';
import { alarmResolution } from '../verify-recovery/core';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const PLANNER = stepActor('Plan');

export type { RiskTier } from '../../governance/governance-config';
export type { ApprovalDeadlines } from '../deadlines';

export type ActionType = 'assign' | 'post-work-note' | 'human-review' | 'escalate-to-human' | 'run-runbook';

export interface PlannedAction {
  type: ActionType;
  risk: RiskTier;
  target: string;
  reason: string;
  runbook?: { id: string; version: string; title: string; parameters: Record<string, string> };
  /** The policy's verdict when planning. */
  verdict?: { allowed: boolean; autonomous: boolean; because: string[] };
}

export interface Plan {
  planId: string;
  actions: PlannedAction[];
  /** Actions the policy refused outright (never executed, shown to people). */
  blocked: PlannedAction[];
  /** The approval tier: low when everything may run alone. */
  riskTier: RiskTier;
  requiresApproval: boolean;
  approval?: {
    mode: 'async' | 'realtime';
    approverGroup: string;
    requiredApprovals: number;
    stageSeconds: number[];
    reminderBeforeSeconds: number;
  };
  /** Hash of the exact actions: an approval is bound to it, and execution checks it. */
  actionHash: string;
  /** The gate's TimeoutSeconds (0 when ungated). */
  approvalTimeoutSeconds: number;
  /** The gate's HeartbeatSeconds (0 when ungated). */
  heartbeatSeconds: number;
  rationale: string;
  policyVersion: string;
  service: string;
  /** The runbook's dry run at planning time: exactly what would run. */
  dryRun?: Pick<RunbookRun, 'status' | 'summary' | 'outcomes'>;
  /** How the plan follows the diagnosis: the hypothesis it acts on and the remediation chosen (or why none). */
  remediation?: {
    hypothesis?: Pick<Hypothesis, 'rank' | 'component' | 'failureMode' | 'confidence'>;
    diagnosisConfidence?: number;
    runbookId?: string;
    /** True when a person takes over at once: no diagnosis, low confidence or no safe remediation. */
    personTakesOver: boolean;
    why: string;
    /**
     * Every runbook that fits found nothing to do when rehearsed (the fix is already in place, e.g. another
     * incident of the same outage applied it): nothing runs, and the verification checks the service recovered.
     */
    alreadyInPlace?: boolean;
  };
  /**
   * The remediation the diagnosis calls for when the policy does not let Lumos run it (an assisted domain, a freeze):
   * the runbook with its parameters, proposed to the owning team, who carry it out. Never executed by Lumos.
   */
  proposal?: {
    runbook: NonNullable<PlannedAction['runbook']>;
    target: string;
    risk: RiskTier;
    proposedTo: string;
    /** The policy's reasons for not letting Lumos run it. */
    because: string[];
  };
  notes: string[];
}

export interface PlanContext {
  policy: GovernancePolicy;
  runbooks: Iterable<LoadedRunbook>;
  deadlines: ApprovalDeadlines;
  at: Date;
  /** Dry-runs a runbook (its read-only preconditions, and renders the steps). */
  dryRun?: (loaded: LoadedRunbook, parameters: Record<string, string>) => Promise<RunbookRun>;
  /** Below this diagnosis confidence no remediation is proposed and a person takes over. @default 0.4 */
  minDiagnosisConfidence?: number;
}

/** A candidate action with the service and confidence the policy judges it by. */
interface Candidate extends PlannedAction {
  /** The service the policy evaluates (change windows, freezes, domain autonomy): the remediated component. */
  policyService?: string;
  /** The confidence the policy weighs: the diagnosis' for a remediation, triage's for the rest. */
  policyConfidence?: number;
}

/** Runbooks that remediate a failure mode, most specific first (fewest modes), then least risky. */
export function remediationsFor(runbooks: Iterable<LoadedRunbook>, mode: Hypothesis['failureMode']): LoadedRunbook[] {
  return [...runbooks]
    .filter((loaded) => (loaded.runbook.remediates ?? []).includes(mode))
    .sort(
      (a, b) =>
        (a.runbook.remediates ?? []).length - (b.runbook.remediates ?? []).length ||
        RISK_RANK[runbookRisk(a.runbook)] - RISK_RANK[runbookRisk(b.runbook)] ||
        a.runbook.id.localeCompare(b.runbook.id),
    );
}

/** Phrases of a user asking for a person (the P4 trigger). */
const PERSON_REQUEST =
  /\b(speak|talk|chat)\s+(to|with)\s+(a|an|some|your)?\s*(real\s+)?(human|person|agent|someone|technician)\b|\b(real|actual)\s+(human|person)\b|\bhuman,?\s+please\b/i;

/** The hash an approval is bound to: what each action does, not the explanations around it. */
export function actionHashOf(actions: readonly PlannedAction[]): string {
  return sha256Hex(
    canonicalJson(
      actions.map(({ type, risk, target, runbook }) => ({
        type,
        risk,
        target,
        runbook: runbook ? { id: runbook.id, version: runbook.version, parameters: runbook.parameters } : null,
      })),
    ),
  );
}

const maxTier = (tiers: RiskTier[]): RiskTier =>
  tiers.reduce((max, tier) => (RISK_RANK[tier] > RISK_RANK[max] ? tier : max), 'low' as RiskTier);

/** Who approves: the tier's own group, else the incident's group when it has a roster, else the default group. */
export function approverGroupFor(config: GovernanceConfig, tier: RiskTier, assignedGroup: string): string {
  const fixed = config.tiers[tier].approverGroup;
  if (fixed) return fixed;
  return membersOf(config, assignedGroup).length > 0 ? assignedGroup : config.defaultApproverGroup;
}

const summarize = (verdict: ActionVerdict): PlannedAction['verdict'] => ({
  allowed: verdict.allowed,
  autonomous: verdict.autonomous,
  because: [...verdict.because.execute, ...verdict.because.autonomously].map((p) => `${p.effect} ${p.id}: ${p.reason}`),
});

/**
 * Plans the response to a triaged incident: route it (to L2 when triage could not categorise a P3), post the first
 * response, ask for a human review when confidence is below the priority's threshold, hand a P4 to a person when
 * the user asked for one, confirm P1s in real time, and propose the best-matching runbook (dry-run first). Every
 * action is then put to the Cedar policy: refused ones are dropped, and anything that may not run alone makes the
 * plan wait for the approval its tier asks for. Actions come from structured data only, never from ticket text.
 */
export async function planResponse(incident: Incident, ctx: PlanContext): Promise<Plan> {
  const config = ctx.policy.config;
  const triage = incident.triage;
  const priority = triage?.priority ?? incident.priority;
  const confidence = triage?.confidence ?? 0;
  const trigger = config.sla[priority]?.trigger;
  const notes: string[] = [];
  const serviceName = incident.facts?.service ?? incident.service;
  const service = serviceOf(config, serviceName);
  const candidates: Candidate[] = [];

  // Routing decided the owning team and the first response already assigned the ticket to it: the plan reassigns
  // only when it decides otherwise, and says what it replaces.
  const owner = incident.facts?.owningTeam ?? agentResult(incident, 'EscalationRouting')?.group;
  let group = owner ?? triage?.assignmentGroup ?? config.routing.humanGroup;
  const uncategorised = !triage || triage.category === 'general' || triage.category === 'unknown';
  if (trigger?.kind === 'uncategorised' && uncategorised && group !== config.routing.l2Group) {
    const was = group;
    group = config.routing.l2Group;
    candidates.push({
      type: 'assign',
      risk: 'low',
      target: group,
      reason: `${priority}: triage could not categorise it, so second line takes it (was ${was})`,
    });
  } else if (!owner) {
    candidates.push({
      type: 'assign',
      risk: 'low',
      target: group,
      reason: `owner of ${triage?.category ?? 'unclassified'} incidents`,
    });
  }
  candidates.push({
    type: 'post-work-note',
    risk: 'low',
    target: incident.externalId,
    reason: 'first response with triage and knowledge',
  });
  if (trigger?.kind === 'person-requested' && PERSON_REQUEST.test(`${incident.title}\n${incident.description}`)) {
    candidates.push({
      type: 'escalate-to-human',
      risk: 'low',
      target: config.routing.humanGroup,
      reason: `${priority}: the user asked for a person`,
    });
  }
  const reviewBelow = Math.max(config.confidence.reviewBelow, trigger?.kind === 'low-confidence' ? trigger.below : 0);
  if (confidence < reviewBelow) {
    candidates.push({
      type: 'human-review',
      risk: 'medium',
      target: group,
      reason: triage
        ? `triage confidence ${confidence} is below ${reviewBelow} for ${priority}`
        : 'triage produced no result',
    });
  }
  if (config.realtimeReviewPriorities.includes(priority)) {
    candidates.push({
      type: 'human-review',
      risk: 'high',
      target: group,
      reason: `${priority} incidents are confirmed by a person in real time`,
    });
  }

  const remedy = await remediate(incident, diagnosisOf(incident.agents.diagnosis), group, ctx, notes);
  candidates.push(...remedy.candidates);
  const dryRun = remedy.dryRun;

  const actions: PlannedAction[] = [];
  const blocked: PlannedAction[] = [];
  const gating: PlannedAction[] = [];
  /** Puts a candidate to the policy: refused ones are kept apart (and said), the rest planned, gating when not alone. */
  const judge = ({ policyService, policyConfidence, ...candidate }: Candidate) => {
    const verdict = ctx.policy.evaluate(
      { actionType: candidate.type, declaredRisk: candidate.risk, service: policyService ?? serviceName },
      { priority, confidence: policyConfidence ?? confidence },
      { at: ctx.at, phase: 'plan', approved: false },
    );
    const action: PlannedAction = { ...candidate, risk: verdict.riskTier, verdict: summarize(verdict) };
    if (!verdict.allowed) {
      blocked.push(action);
      notes.push(
        `${action.type} ${action.target} refused by policy: ${action.verdict?.because.join('; ') || 'no policy permits it'}`,
      );
      return;
    }
    actions.push(action);
    if (!verdict.autonomous) gating.push(action);
  };
  for (const candidate of candidates) judge(candidate);
  // The fix the diagnosis calls for, refused by the policy (an assisted domain: Lumos proposes, people change; a
  // freeze): it becomes a proposal to the owning team, and a person takes over at once with it.
  let remediation = remedy.remediation;
  let proposal: Plan['proposal'];
  const refusedFix = blocked.find((a) => a.type === 'run-runbook' && a.runbook);
  if (refusedFix?.runbook) {
    const domain = serviceOf(config, refusedFix.target).domain;
    const because = refusedFix.verdict?.because.length
      ? refusedFix.verdict.because
      : [`no execution policy lets Lumos change the ${domain} domain (autonomy ${autonomyOf(config, domain)})`];
    proposal = {
      runbook: refusedFix.runbook,
      target: refusedFix.target,
      risk: refusedFix.risk,
      proposedTo: group,
      because,
    };
    const why = `the policy does not let Lumos run ${refusedFix.runbook.id} on ${refusedFix.target} (${because.join(
      '; ',
    )}); it is proposed to ${group}, who carry it out`;
    remediation = { ...remediation, personTakesOver: true, why };
    if (!actions.some((a) => a.type === 'escalate-to-human'))
      judge({ type: 'escalate-to-human', risk: 'low', target: group, reason: `a person takes over: ${why}` });
  }
  // A review asks a person to look (a P1 confirmed in real time, a low triage confidence). With a remediation in
  // the plan it rides along instead of holding it: the remediation's own verdict (its risk, the domain's autonomy,
  // the diagnosis confidence, windows and freezes) decides whether the fix waits and for whom. Nor does it hold a
  // plan for an alarm that already cleared by itself (nothing is left to confirm before acting), or a plan that
  // hands a proposed fix to the team that carries it out (they are the review; an approval would only delay them),
  // or one that found the fix already in place (there is nothing to approve; the verification decides).
  const reviewsRideAlong =
    actions.some((a) => a.type === 'run-runbook') ||
    !!alarmResolution(incident) ||
    !!proposal ||
    remediation.alreadyInPlace === true;
  const holding = reviewsRideAlong ? gating.filter((a) => a.type !== 'human-review') : gating;

  const riskTier: RiskTier = holding.length ? maxTier(['medium', ...holding.map((a) => a.risk)]) : 'low';
  const gated = riskTier !== 'low';
  const actionHash = actionHashOf(actions);
  const deadlines = gated ? ctx.deadlines[riskTier as 'medium' | 'high'] : undefined;
  const tierPolicy = config.tiers[riskTier];
  return {
    planId: `plan-${incident.incidentId}-${actionHash.slice(0, 12)}`,
    actions,
    blocked,
    riskTier,
    requiresApproval: gated,
    ...(gated && deadlines
      ? {
          approval: {
            mode: tierPolicy.approval === 'realtime' ? 'realtime' : 'async',
            approverGroup: approverGroupFor(config, riskTier, group),
            requiredApprovals: tierPolicy.requiredApprovals,
            stageSeconds: deadlines.stageSeconds,
            reminderBeforeSeconds: deadlines.reminderBeforeSeconds,
          },
        }
      : {}),
    actionHash,
    approvalTimeoutSeconds: deadlines?.timeoutSeconds ?? 0,
    heartbeatSeconds: deadlines?.heartbeatSeconds ?? 0,
    rationale: [
      ...actions.map(
        (a) =>
          `${a.type} ${a.target} (${a.risk}${a.verdict?.autonomous ? ', runs alone' : ', needs approval'}): ${a.reason}`,
      ),
      ...notes,
    ].join('; '),
    policyVersion: ctx.policy.version,
    service: service.name,
    ...(dryRun ? { dryRun } : {}),
    remediation,
    ...(proposal ? { proposal } : {}),
    notes,
  };
}

const pct = (value: number) => `${Math.round(value * 100)}%`;

/**
 * The remediation that follows the diagnosis: the runbook that declares it remediates the top hypothesis' failure
 * mode, run on the hypothesis' component (not necessarily the service the ticket names), its parameters from the
 * component and its governance targets. The most specific runbook whose parameters resolve and whose dry run finds
 * work to do wins. With no diagnosis, an unknown cause, a confidence below the floor, or no runbook that fits, a
 * person takes over at once (escalate-to-human to the owning team) instead.
 */
async function remediate(
  incident: Incident,
  diagnosis: Diagnosis | undefined,
  group: string,
  ctx: PlanContext,
  notes: string[],
): Promise<{ candidates: Candidate[]; dryRun?: Plan['dryRun']; remediation: NonNullable<Plan['remediation']> }> {
  const takeOver = (why: string, hypothesis?: Hypothesis) => {
    notes.push(`a person takes over: ${why}`);
    return {
      candidates: [
        {
          type: 'escalate-to-human' as const,
          risk: 'low' as const,
          target: group,
          reason: `a person takes over: ${why}`,
        },
      ],
      remediation: {
        ...(hypothesis ? { hypothesis: pick(hypothesis) } : {}),
        ...(diagnosis ? { diagnosisConfidence: diagnosis.confidence } : {}),
        personTakesOver: true,
        why,
      },
    };
  };
  // The alarm cleared by itself before a fix was chosen: nothing is changed on a system that recovered; the
  // verification records it as self-recovered (or a person takes over when it is not).
  const cleared = alarmResolution(incident);
  if (cleared) {
    const why = `the alarm resolved by itself before a remediation was chosen (${cleared.summary}); Lumos changes nothing and verifies the recovery`;
    notes.push(why);
    return {
      candidates: [],
      remediation: {
        ...(diagnosis?.hypotheses[0] ? { hypothesis: pick(diagnosis.hypotheses[0]) } : {}),
        ...(diagnosis ? { diagnosisConfidence: diagnosis.confidence } : {}),
        personTakesOver: false,
        why,
      },
    };
  }
  if (!diagnosis) return takeOver('there is no diagnosis to act on');
  const top = diagnosis.hypotheses[0];
  if (!top || top.failureMode === 'unknown') return takeOver('the diagnosis found no cause', top);
  const floor = ctx.minDiagnosisConfidence ?? 0.4;
  if (diagnosis.confidence < floor) {
    return takeOver(
      `the diagnosis (${top.failureMode} on ${top.component}) is only ${pct(diagnosis.confidence)} confident, below ${pct(floor)}`,
      top,
    );
  }
  const config = ctx.policy.config;
  const target = serviceOf(config, top.component);
  const options = remediationsFor(ctx.runbooks, top.failureMode);
  const nothingToDo: string[] = [];
  for (const loaded of options) {
    const { runbook, version } = loaded;
    let parameters: Record<string, string>;
    try {
      // The component stands where a runbook reads the incident's service; the targets are the component's own.
      parameters = resolveParameters(
        runbook,
        { ...incident, service: top.component },
        target,
        citedChangeParameters(incident, top),
      );
    } catch (error) {
      if (!(error instanceof RunbookParameterError)) throw error;
      notes.push(
        `runbook ${runbook.id} fits ${top.failureMode} but cannot be parameterized for ${top.component}: ${error.message}`,
      );
      continue;
    }
    const rehearsal = ctx.dryRun ? await ctx.dryRun(loaded, parameters) : undefined;
    const dryRun = rehearsal
      ? { status: rehearsal.status, summary: rehearsal.summary, outcomes: rehearsal.outcomes }
      : undefined;
    if (rehearsal?.status === 'not_needed') {
      notes.push(
        `runbook ${runbook.id} fits ${top.failureMode} on ${top.component} but is not needed: ${rehearsal.summary}`,
      );
      nothingToDo.push(`${runbook.id} (${rehearsal.summary})`);
      continue;
    }
    const why = `${top.failureMode} on ${top.component} (hypothesis ${top.rank}, ${pct(top.confidence)}; diagnosis ${pct(diagnosis.confidence)}) is remediated by runbook ${runbook.id}`;
    return {
      candidates: [
        {
          type: 'run-runbook',
          risk: runbookRisk(runbook),
          target: top.component,
          reason: why,
          runbook: { id: runbook.id, version, title: runbook.title, parameters },
          policyService: top.component,
          policyConfidence: diagnosis.confidence,
        },
      ],
      ...(dryRun ? { dryRun } : {}),
      remediation: {
        hypothesis: pick(top),
        diagnosisConfidence: diagnosis.confidence,
        runbookId: runbook.id,
        personTakesOver: false,
        why,
      },
    };
  }
  // Every fitting runbook that could be prepared found its work done: the fix is in place (an alarm that fired late
  // into a second incident of an outage already remediated). Nothing runs; the verification confirms the service is
  // healthy, and a person takes over when it is not.
  if (nothingToDo.length > 0) {
    const why = `the fix for ${top.failureMode} on ${top.component} is already in place: ${nothingToDo.join('; ')}; Lumos changes nothing and verifies the recovery`;
    notes.push(why);
    return {
      candidates: [],
      remediation: {
        hypothesis: pick(top),
        diagnosisConfidence: diagnosis.confidence,
        personTakesOver: false,
        alreadyInPlace: true,
        why,
      },
    };
  }
  return takeOver(
    options.length
      ? `no runbook for ${top.failureMode} can run on ${top.component} (${options.map((o) => o.runbook.id).join(', ')} considered)`
      : `no runbook remediates ${top.failureMode}`,
    top,
  );
}

/**
 * Runbook parameters the change records a hypothesis cites decide (trusted: they come from the change history,
 * never from ticket text): the feature flag a flag change switched on the suspect component, newest first.
 */
export function citedChangeParameters(incident: Incident, hypothesis: Hypothesis): Record<string, string> {
  const cited = new Set(
    hypothesis.evidence.filter((e) => e.kind === 'change').map((e) => e.ref.slice('change:'.length)),
  );
  const changes = readAgent(DependencyView, incident.agents.dependency)?.changes ?? [];
  const flagChange = changes
    .filter((c) => cited.has(c.id) && c.component === hypothesis.component)
    .filter((c): c is typeof c & { featureFlag: string } => typeof c.featureFlag === 'string' && !!c.featureFlag)
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  return flagChange ? { flag: flagChange.featureFlag } : {};
}

const pick = ({ rank, component, failureMode, confidence }: Hypothesis) => ({
  rank,
  component,
  failureMode,
  confidence,
});

/** What the Plan step writes besides the plan itself: the timeline entry and the two audit records. */
export interface PlanRecords {
  readonly timeline: TimelineEntry;
  /** The planner's decision (`agent.decision`). */
  readonly decision: AuditEntry;
  /** The plan-time policy verdict of every action, refused ones included (`policy.evaluation`). */
  readonly policyEvaluation: AuditEntry;
}

/** The timeline entry and audit records of a plan made at `at` for `incident`. */
export function planRecords(plan: Plan, incident: Incident, at: Date): PlanRecords {
  const autonomous = plan.actions.filter((a) => a.verdict?.autonomous).length;
  return {
    timeline: {
      at: at.toISOString(),
      actor: PLANNER,
      type: 'plan.created',
      summary: `${plan.actions.length} actions, ${plan.riskTier} risk${plan.requiresApproval ? ', needs approval' : ', runs autonomously'}${plan.blocked.length ? `, ${plan.blocked.length} refused by policy` : ''}`,
      data: { planId: plan.planId, actionHash: plan.actionHash },
    },
    decision: agentDecisionEntry(
      {
        agent: PLANNER,
        modelId: 'lumos-rule-planner/1',
        promptHash: plan.actionHash,
        retrieved: (incident.knowledge?.articles ?? []).map((a) => ({
          articleId: a.articleId,
          version: a.updatedAt ?? 'unversioned',
        })),
        output: {
          planId: plan.planId,
          actions: plan.actions,
          blocked: plan.blocked,
          riskTier: plan.riskTier,
          notes: plan.notes,
          dryRun: plan.dryRun?.summary ?? null,
        },
      },
      `planned ${plan.actions.length} action(s), ${plan.riskTier} risk${plan.requiresApproval ? ', approval needed' : ''}`,
    ),
    policyEvaluation: {
      type: 'policy.evaluation',
      actor: 'policy',
      summary: `plan-time policy ${plan.policyVersion}: ${autonomous} autonomous, ${plan.actions.length - autonomous} need approval, ${plan.blocked.length} refused`,
      data: {
        phase: 'plan',
        policyVersion: plan.policyVersion,
        verdicts: [...plan.actions, ...plan.blocked].map((a) => ({
          type: a.type,
          target: a.target,
          risk: a.risk,
          verdict: a.verdict,
        })),
      },
    },
  };
}
