import type { Priority } from '../../core/incident';
import type { DeterminingPolicy, PolicyDecisionPoint, PolicyEntity } from '../../ports/policy';
import {
  AUTONOMY_RANK,
  autonomyOf,
  type GovernanceConfig,
  governanceConfig,
  governanceDirectory,
  RISK_RANK,
  type RiskTier,
  serviceOf,
} from '../governance-config';
import { CedarPolicyEngine, ref, uid } from './cedar-engine';
import { activeFreeze, changeWindowOpen } from './change-calendar';

/** What the policy needs to know about one planned action. */
export interface ActionFacts {
  actionType: string;
  /** Risk declared by the thing itself (a runbook's riskiest step); used when the action type says `runbook`. */
  declaredRisk?: RiskTier;
  service?: string;
}

/** What the policy needs to know about the incident. */
export interface IncidentFacts {
  priority: Priority;
  /** Triage confidence, 0..1. */
  confidence: number;
}

/** The policy's verdict on one action, kept in the plan and in the audit trail. */
export interface ActionVerdict {
  actionType: string;
  category: 'ticket' | 'review' | 'change';
  riskTier: RiskTier;
  /** May it run at all (given the approval its tier asks for)? */
  allowed: boolean;
  /** May it run without a person? */
  autonomous: boolean;
  service: string;
  environment: string;
  domain: string;
  autonomy: string;
  frozen?: string;
  inChangeWindow: boolean;
  /** The policies that decided, with their reasons, for `execute` and `execute-autonomously`. */
  because: { execute: DeterminingPolicy[]; autonomously: DeterminingPolicy[] };
  errors: string[];
}

export class UnknownActionTypeError extends Error {
  override readonly name = 'UnknownActionTypeError';
}

/**
 * Governance policy: the configuration (risk per action type, windows, freezes, thresholds, autonomy) supplies the
 * facts, Cedar policies decide. The same question is asked when planning (as if approved: could it run at all?)
 * and immediately before executing (with the real approval).
 */
export class GovernancePolicy {
  constructor(
    readonly config: GovernanceConfig,
    readonly engine: PolicyDecisionPoint,
  ) {}

  get version(): string {
    return this.engine.version;
  }

  /** The risk tier of an action type (a runbook's own risk where the type defers to it). */
  riskOf(facts: ActionFacts): { tier: RiskTier; category: 'ticket' | 'review' | 'change' } {
    const type = this.config.actionTypes[facts.actionType];
    if (!type) throw new UnknownActionTypeError(`no risk tier configured for action type '${facts.actionType}'`);
    const tier = type.risk === 'runbook' ? (facts.declaredRisk ?? 'high') : type.risk;
    // A declared risk above the type's own never lowers it: the stricter wins.
    const strictest = facts.declaredRisk && RISK_RANK[facts.declaredRisk] > RISK_RANK[tier] ? facts.declaredRisk : tier;
    return { tier: strictest, category: type.category };
  }

  /** Evaluates one action at `phase`; `approved` says whether a person approved exactly this action. */
  evaluate(
    action: ActionFacts,
    incident: IncidentFacts,
    options: { at: Date; phase: 'plan' | 'execute'; approved: boolean },
  ): ActionVerdict {
    const { tier, category } = this.riskOf(action);
    const service = serviceOf(this.config, action.service);
    const autonomy = autonomyOf(this.config, service.domain);
    const freeze = activeFreeze(this.config, service.name, service.environment, options.at);
    const inChangeWindow = changeWindowOpen(this.config, service.environment, options.at);
    const entities: PolicyEntity[] = [
      {
        uid: uid('Domain', service.domain),
        attrs: { autonomy, autonomyRank: AUTONOMY_RANK[autonomy] },
        parents: [],
      },
      {
        uid: uid('Service', service.name),
        attrs: { environment: service.environment, domain: ref('Domain', service.domain) },
        parents: [uid('Domain', service.domain)],
      },
      {
        uid: uid('PlannedAction', 'action'),
        attrs: {
          actionType: action.actionType,
          category,
          riskTier: tier,
          riskRank: RISK_RANK[tier],
          service: ref('Service', service.name),
        },
        parents: [],
      },
    ];
    const minConfidence = Math.max(this.config.confidence.autonomousMin, this.triggerConfidence(incident.priority));
    const context = {
      phase: options.phase,
      priority: incident.priority,
      confidencePct: Math.round(incident.confidence * 100),
      minConfidencePct: Math.round(minConfidence * 100),
      frozen: freeze !== undefined,
      inChangeWindow,
      approved: options.approved,
    };
    const ask = (name: string, approved: boolean) =>
      this.engine.authorize({
        principal: uid('Agent', 'lumos'),
        action: name,
        resource: uid('PlannedAction', 'action'),
        context: { ...context, approved },
        entities,
      });
    // When planning, "may it run at all" assumes the approval its tier would ask for.
    const execute = ask('execute', options.phase === 'plan' ? true : options.approved);
    const autonomously = ask('execute-autonomously', false);
    return {
      actionType: action.actionType,
      category,
      riskTier: tier,
      allowed: execute.allowed,
      autonomous: execute.allowed && autonomously.allowed,
      service: service.name,
      environment: service.environment,
      domain: service.domain,
      autonomy,
      ...(freeze ? { frozen: freeze.name } : {}),
      inChangeWindow,
      because: { execute: execute.determining, autonomously: autonomously.determining },
      errors: [...execute.errors, ...autonomously.errors],
    };
  }

  /** The confidence below which the priority's SLA stage asks for a human review (0 when it has no such trigger). */
  triggerConfidence(priority: Priority): number {
    const trigger = this.config.sla[priority]?.trigger;
    return trigger?.kind === 'low-confidence' ? trigger.below : 0;
  }

  /**
   * May `person` decide an approval request? Cedar checks group membership and segregation of duties
   * (requester, proposer, one vote per person).
   */
  mayDecide(
    person: string,
    request: {
      approvalId: string;
      approverGroup: string;
      riskTier: string;
      requestedBy?: string;
      proposedBy?: string;
      approvedBy: string[];
    },
  ): { allowed: boolean; because: DeterminingPolicy[]; errors: string[] } {
    const groups = Object.entries(this.config.approverGroups)
      .filter(([, members]) => members.includes(person))
      .map(([group]) => uid('Group', group));
    const people = new Set([person, ...request.approvedBy, request.requestedBy, request.proposedBy]);
    const entities: PolicyEntity[] = [
      ...[...people]
        .filter((p): p is string => !!p)
        .map((p) => ({ uid: uid('Person', p), attrs: {}, parents: p === person ? groups : [] })),
      { uid: uid('Group', request.approverGroup), attrs: {}, parents: [] },
      {
        uid: uid('ApprovalRequest', request.approvalId),
        attrs: {
          approverGroup: ref('Group', request.approverGroup),
          riskTier: request.riskTier,
          approvedBy: request.approvedBy.map((p) => ref('Person', p)),
          ...(request.requestedBy ? { requester: ref('Person', request.requestedBy) } : {}),
          ...(request.proposedBy ? { proposer: ref('Person', request.proposedBy) } : {}),
        },
        parents: [],
      },
    ];
    const decision = this.engine.authorize({
      principal: uid('Person', person),
      action: 'approve',
      resource: uid('ApprovalRequest', request.approvalId),
      context: {},
      entities,
    });
    return { allowed: decision.allowed, because: decision.determining, errors: decision.errors };
  }
}

let cached: GovernancePolicy | undefined;

/** The process-wide policy: configuration plus the Cedar policy set from the policy directory, loaded once. */
export function governancePolicy(): GovernancePolicy {
  cached ??= new GovernancePolicy(governanceConfig(), CedarPolicyEngine.fromDirectory(governanceDirectory('policies')));
  return cached;
}

/** Forgets the loaded policy (tests). */
export function resetGovernancePolicy(): void {
  cached = undefined;
}
