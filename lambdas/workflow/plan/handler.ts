import middy from '@middy/core';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-runbooks';
import '../../runtime/aws/governance-scheduler';
import '../../runtime/aws/notifier';
import '../../runtime/aws/store';
import { agentDecisionEntry, auditRecordedAgentDecisions } from '../../governance/audit/agent-decisions';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { runRunbook } from '../../governance/runbooks/runbook-runner';
import { startSlaClock } from '../../governance/sla/sla-clock';
import { slaDeps } from '../../governance/sla/sla-deps';
import { dependency } from '../../runtime/dependencies';
import { approvalDeadlines } from '../deadlines';
import { loadIncident, parseStepInput, StepInput } from '../step-input';
import { type Plan, planResponse } from './core';

/**
 * Workflow step `Plan`: decides what Lumos will do and whether a person must approve it first (Cedar policy),
 * dry-runs the proposed runbook, records every decision in the audit trail, and starts the SLA clock.
 */
export const handler = middy<unknown, Plan>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const audit = dependency('audit');
  const incident = await loadIncident(store, incidentId);
  const policy = governancePolicy();
  const executor = dependency('runbookExecutor');
  const at = dependency('clock').now();

  await auditRecordedAgentDecisions(audit, incident);
  const plan = await planResponse(incident, {
    policy,
    runbooks: runbookCatalogue().values(),
    deadlines: approvalDeadlines(policy.config),
    at,
    dryRun: (loaded, parameters) => runRunbook(loaded.runbook, parameters, executor, { dryRun: true }),
  });
  await store.update(incidentId, {
    agents: { plan },
    append: [
      {
        at: at.toISOString(),
        actor: 'planner',
        type: 'plan.created',
        summary: `${plan.actions.length} actions, ${plan.riskTier} risk${plan.requiresApproval ? ', needs approval' : ', runs autonomously'}${plan.blocked.length ? `, ${plan.blocked.length} refused by policy` : ''}`,
        data: { planId: plan.planId, actionHash: plan.actionHash },
      },
    ],
  });
  await audit.append(
    incidentId,
    agentDecisionEntry(
      {
        agent: 'planner',
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
  );
  await audit.append(incidentId, {
    type: 'policy.evaluation',
    actor: 'policy',
    summary: `plan-time policy ${plan.policyVersion}: ${plan.actions.filter((a) => a.verdict?.autonomous).length} autonomous, ${plan.actions.filter((a) => !a.verdict?.autonomous).length} need approval, ${plan.blocked.length} refused`,
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
  });
  await startSlaClock(slaDeps(), incidentId);
  return plan;
});
