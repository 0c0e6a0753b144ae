import type { Incident, TimelineEntry } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import { PlanMismatchError, PolicyDeniedError } from '../../governance/governance-errors';
import type { GovernancePolicy } from '../../governance/policy/governance-policy';
import type { LoadedRunbook } from '../../governance/runbooks/runbook-catalogue';
import { type RunbookRun, runRunbook } from '../../governance/runbooks/runbook-runner';
import type { TicketUpdate } from '../../itsm/ticket';
import type { ApprovalStore } from '../../ports/approval-store';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import type { Notifier } from '../../ports/notifier';
import type { RunbookExecutor } from '../../ports/runbook-executor';
import { actionHashOf, type Plan, type PlannedAction } from '../plan/core';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const EXECUTOR = stepActor('ExecutePlan');

export interface ExecuteDeps {
  store: IncidentStore;
  approvals: ApprovalStore;
  notifier: Notifier;
  audit: AuditTrail;
  clock: Clock;
  policy: GovernancePolicy;
  runbooks: Map<string, LoadedRunbook>;
  executor: RunbookExecutor;
  /** Runbooks only rehearse (stages on trial); everything else runs. */
  runbookDryRun: boolean;
  /**
   * Writes to the ticket exactly once per incident and purpose (the ITSM write-back). Without it, writes only go to
   * the notifier, as on a stage with no ITSM connection.
   */
  writeBack?: (incident: Incident, purpose: string, update: TicketUpdate) => Promise<unknown>;
}

export interface ExecuteInput {
  incidentId: string;
  plan: { planId: string; actionHash: string };
  approval?: { decision: string; approvalId?: string; actionHash?: string };
}

export interface ExecuteResult {
  status: 'done';
  actions: number;
  runbook?: Pick<RunbookRun, 'runbookId' | 'status' | 'summary' | 'dryRun'>;
}

/**
 * Checks, before anything runs, that what is about to run is exactly what was planned and approved: the stored
 * plan's hash recomputed from its actions, the workflow's reference, the approval record (approved, same hash),
 * and each runbook's current version. Any difference refuses the whole plan.
 */
export async function verifyApproved(deps: ExecuteDeps, incident: Incident, input: ExecuteInput): Promise<Plan> {
  const plan = incident.agents.plan as Plan | undefined;
  if (!plan) throw new PlanMismatchError(`incident ${incident.incidentId} has no stored plan`);
  if (plan.planId !== input.plan.planId || plan.actionHash !== input.plan.actionHash) {
    throw new PlanMismatchError('the stored plan is not the one the workflow planned; refusing to execute');
  }
  if (actionHashOf(plan.actions) !== plan.actionHash) {
    throw new PlanMismatchError('the stored plan was changed after planning (its actions no longer match its hash)');
  }
  if (plan.requiresApproval) {
    const approvalId = input.approval?.approvalId;
    if (input.approval?.decision !== 'approve' || !approvalId) {
      throw new PlanMismatchError('the plan needs an approval and none was given');
    }
    const record = await deps.approvals.get(approvalId);
    if (record?.status !== 'approved' || record.incidentId !== incident.incidentId) {
      throw new PlanMismatchError(`approval ${approvalId} is not an approval of this incident's plan`);
    }
    if (
      record.actionHash !== plan.actionHash ||
      (input.approval.actionHash && input.approval.actionHash !== plan.actionHash)
    ) {
      throw new PlanMismatchError('the approval was given for different actions than the ones planned');
    }
  }
  for (const action of plan.actions) {
    if (!action.runbook) continue;
    const current = deps.runbooks.get(action.runbook.id);
    if (!current || current.version !== action.runbook.version) {
      throw new PlanMismatchError(`runbook ${action.runbook.id} changed since it was planned and approved`);
    }
  }
  return plan;
}

/**
 * Workflow step `ExecutePlan`: carries out exactly the approved plan. The policy is asked again right before
 * (a freeze may have started since planning): refused actions are skipped and reported, the rest run. A runbook
 * runs with automatic rollback on a failed post-check. Every action, ITSM write and policy answer goes to the
 * audit trail. Refusals end in a named error, so the workflow hands the incident to a person; a runbook's outcome
 * (succeeded, rolled back, ...) is returned and judged by the verification loop that follows.
 */
export async function executePlan(deps: ExecuteDeps, input: ExecuteInput): Promise<ExecuteResult> {
  const incident = await deps.store.get(input.incidentId);
  if (!incident) throw new PlanMismatchError(`incident ${input.incidentId} does not exist`);
  const plan = await verifyApproved(deps, incident, input);
  // A step run again (at-least-once delivery, a restart after the work was stored) reports what was done instead
  // of running the plan, and its runbook, a second time.
  const recorded = incident.agents.execution as
    | { planId?: string; done?: string[]; refused?: unknown[]; runbook?: RunbookRun }
    | undefined;
  if (recorded?.planId === plan.planId) return resultOf(recorded);
  const approved = plan.requiresApproval;
  const priority = incident.triage?.priority ?? incident.priority;
  const confidence = incident.triage?.confidence ?? 0;
  const now = deps.clock.now();

  // Judged as the plan judged them: a remediation by its component and the diagnosis confidence, the rest by the
  // incident's service and triage's confidence.
  const service = incident.facts?.service ?? incident.service;
  const remediationConfidence = plan.remediation?.diagnosisConfidence;
  const verdicts = plan.actions.map((action) => {
    const remedy = action.type === 'run-runbook';
    return {
      action,
      verdict: deps.policy.evaluate(
        { actionType: action.type, declaredRisk: action.risk, service: remedy ? action.target : service },
        { priority, confidence: remedy && remediationConfidence !== undefined ? remediationConfidence : confidence },
        { at: now, phase: 'execute', approved },
      ),
    };
  });
  await deps.audit.append(incident.incidentId, {
    type: 'policy.evaluation',
    actor: 'policy',
    summary: `execute-time policy ${deps.policy.version}: ${verdicts.filter((v) => v.verdict.allowed && (approved || v.verdict.autonomous)).length} of ${verdicts.length} action(s) may run`,
    data: {
      phase: 'execute',
      policyVersion: deps.policy.version,
      approved,
      verdicts: verdicts.map(({ action, verdict }) => ({
        type: action.type,
        target: action.target,
        allowed: verdict.allowed,
        autonomous: verdict.autonomous,
        because: [...verdict.because.execute, ...verdict.because.autonomously].map((p) => p.id),
        frozen: verdict.frozen ?? null,
      })),
    },
  });

  const done: string[] = [];
  const refused: { action: PlannedAction; why: string }[] = [];
  const timeline: TimelineEntry[] = [];
  let runbook: RunbookRun | undefined;
  for (const { action, verdict } of verdicts) {
    // A review that rode along with a remediation the policy let run alone is a request to a person, not a change.
    const reviewRequest = action.type === 'human-review' && !approved && verdict.allowed;
    if (!verdict.allowed || !(approved || verdict.autonomous || reviewRequest)) {
      const because = [...verdict.because.execute, ...verdict.because.autonomously].filter(
        (p) => p.effect === 'forbid',
      );
      const why = because.map((p) => p.reason).join('; ') || 'no policy permits it now';
      refused.push({ action, why });
      await deps.audit.append(incident.incidentId, {
        type: 'action.blocked',
        actor: 'policy',
        summary: `${action.type} ${action.target} refused right before execution: ${why}`,
        data: {
          action: { type: action.type, target: action.target, runbook: action.runbook?.id ?? null },
          because: because.map((p) => p.id),
        },
      });
      continue;
    }
    switch (action.type) {
      case 'assign':
        await itsmWrite(
          deps,
          incident,
          `Assignment group set to ${action.target}`,
          { assignmentGroup: action.target },
          {
            purpose: 'plan-assignment',
            update: { assignment: { group: action.target } },
          },
        );
        done.push(`assigned to ${action.target}`);
        break;
      case 'post-work-note':
        // Same purpose as the FirstResponse step: whichever runs first posts it, the other finds it already there.
        await itsmWrite(
          deps,
          incident,
          firstResponse(incident),
          { kind: 'first-response' },
          {
            purpose: 'first-response',
            update: { workNote: firstResponse(incident) },
          },
        );
        done.push('posted first response');
        break;
      case 'escalate-to-human':
        await deps.notifier.send({
          channel: 'slack',
          recipient: action.target,
          // The plan says why a person takes over (the user asked, or the diagnosis left nothing safe to run).
          subject: `[${priority}] A person takes over: ${incident.title}`,
          text: `${incident.externalId}: ${action.reason}. Please contact ${incident.reporter ?? 'the reporter'}.`,
          incidentId: incident.incidentId,
        });
        done.push(`handed to ${action.target}`);
        break;
      case 'human-review':
        if (reviewRequest) {
          await deps.notifier.send({
            channel: 'slack',
            recipient: action.target,
            subject: `[${priority}] Please review: ${incident.title}`,
            text: `${incident.externalId}: ${action.reason}. Lumos acts on it meanwhile (${plan.remediation?.why ?? 'see the plan'}).`,
            incidentId: incident.incidentId,
          });
          done.push(`review requested from ${action.target}`);
        } else done.push(`review confirmed by ${plan.requiresApproval ? 'the approvers' : action.target}`);
        break;
      case 'run-runbook': {
        const loaded = deps.runbooks.get(action.runbook!.id)!;
        runbook = await runRunbook(loaded.runbook, action.runbook!.parameters, deps.executor, {
          dryRun: deps.runbookDryRun,
        });
        timeline.push({
          at: deps.clock.now().toISOString(),
          actor: EXECUTOR,
          type: 'runbook.executed',
          summary: `runbook ${runbook.runbookId}: ${runbook.status} (${runbook.summary})`,
          data: { runbookId: runbook.runbookId, status: runbook.status },
        });
        done.push(`runbook ${runbook.runbookId} ${runbook.status}`);
        break;
      }
    }
    await deps.audit.append(incident.incidentId, {
      type: 'action.executed',
      actor: EXECUTOR,
      summary: `${action.type} ${action.target}${action.type === 'run-runbook' && runbook ? `: ${runbook.status}` : ''}`,
      data: {
        action: { type: action.type, target: action.target, risk: action.risk, runbook: action.runbook ?? null },
        actionHash: plan.actionHash,
        ...(action.type === 'run-runbook' && runbook ? { run: runbook } : {}),
      },
    });
  }

  const summary = [...done, ...refused.map((r) => `${r.action.type} refused: ${r.why}`)].join('; ');
  await deps.store.update(incident.incidentId, {
    set: { status: 'in_progress' },
    agents: {
      execution: { planId: plan.planId, at: now.toISOString(), done, refused, ...(runbook ? { runbook } : {}) },
    },
    append: [
      ...timeline,
      {
        at: deps.clock.now().toISOString(),
        actor: EXECUTOR,
        type: 'plan.executed',
        summary,
        data: { planId: plan.planId },
      },
    ],
  });
  // A failed runbook is not an error of this step: VerifyRecovery finds it not recovered at once and the handoff
  // gives the incident to a person with the packet (what ran, what failed, what was rolled back).
  return resultOf({ done, refused, ...(runbook ? { runbook } : {}) });
}

/** The step's result from what it stored; a stored refusal is raised again, as the first run raised it. */
function resultOf(execution: { done?: string[]; refused?: unknown[]; runbook?: RunbookRun }): ExecuteResult {
  const refused = (execution.refused ?? []) as { action: PlannedAction; why: string }[];
  if (refused.length) {
    throw new PolicyDeniedError(
      `policy refused ${refused.map((r) => `${r.action.type} (${r.why})`).join(', ')} right before execution`,
    );
  }
  const { runbook } = execution;
  return {
    status: 'done',
    actions: execution.done?.length ?? 0,
    ...(runbook
      ? {
          runbook: {
            runbookId: runbook.runbookId,
            status: runbook.status,
            summary: runbook.summary,
            dryRun: runbook.dryRun,
          },
        }
      : {}),
  };
}

function firstResponse(incident: Incident): string {
  const triage = incident.triage;
  const articles = incident.knowledge?.articles ?? [];
  return [
    `Lumos triage: ${triage?.priority ?? incident.priority} ${triage?.category ?? ''} -> ${triage?.assignmentGroup ?? ''} (confidence ${triage?.confidence ?? 'n/a'}).`,
    triage?.rationale ?? '',
    articles.length
      ? `Suggested reading: ${articles
          .slice(0, 3)
          .map((a) => `${a.title} [${a.articleId}]`)
          .join('; ')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/**
 * A write to the ticket in the source ITSM: through the exactly-once write-back when the stage has one (it records
 * the write in the audit trail itself), else as a work note through the notifier, recorded in the trail here.
 */
async function itsmWrite(
  deps: ExecuteDeps,
  incident: Incident,
  text: string,
  fields: Record<string, unknown>,
  ticket: { purpose: string; update: TicketUpdate },
): Promise<void> {
  if (deps.writeBack) {
    await deps.writeBack(incident, ticket.purpose, ticket.update);
    return;
  }
  const target = `${incident.source}:${incident.externalId}`;
  await deps.notifier.send({
    channel: 'itsm',
    recipient: target,
    subject: 'Lumos',
    text,
    incidentId: incident.incidentId,
    data: fields,
  });
  await deps.audit.append(incident.incidentId, {
    type: 'itsm.write',
    actor: EXECUTOR,
    summary: `${target}: ${text.split('\n')[0]}`,
    data: { target, fields, text },
  });
}
