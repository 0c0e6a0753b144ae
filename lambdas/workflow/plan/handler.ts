import { auditRecordedAgentDecisions } from '../../governance/audit/agent-decisions';
import { governancePolicy } from '../../governance/policy/governance-policy';
import { runbookCatalogue } from '../../governance/runbooks/runbook-catalogue';
import { runRunbook } from '../../governance/runbooks/runbook-runner';
import { startSlaClock } from '../../governance/sla/sla-clock';
import { slaStartPorts } from '../../governance/sla/sla-pause-ports';
import { auditTrail } from '../../runtime/ports/audit-trail';
import { clock } from '../../runtime/ports/clock';
import { incidentStore } from '../../runtime/ports/incident-store';
import { runbookExecutor } from '../../runtime/ports/runbook-executor';
import { workflowStep } from '../../runtime/workflow-step';
import { approvalDeadlines } from '../deadlines';
import { loadIncident, StepInput } from '../step-input';
import { type Plan, planRecords, planResponse } from './core';

/**
 * Workflow step `Plan`: decides what Lumos will do and whether a person must approve it first (Cedar policy),
 * dry-runs the proposed runbook, records every decision in the audit trail, and starts the SLA clock.
 */
export const handler = workflowStep(StepInput, async ({ incidentId }): Promise<Plan> => {
  const store = incidentStore();
  const audit = auditTrail();
  const incident = await loadIncident(store, incidentId);
  const policy = governancePolicy();
  const executor = runbookExecutor();
  const at = clock().now();

  await auditRecordedAgentDecisions(audit, incident);
  const plan = await planResponse(incident, {
    policy,
    runbooks: runbookCatalogue().values(),
    deadlines: approvalDeadlines(policy.config),
    at,
    dryRun: (loaded, parameters) => runRunbook(loaded.runbook, parameters, executor, { dryRun: true }),
  });
  const records = planRecords(plan, incident, at);
  await store.update(incidentId, { agents: { plan }, append: [records.timeline] });
  await audit.append(incidentId, records.decision);
  await audit.append(incidentId, records.policyEvaluation);
  await startSlaClock(slaStartPorts(), incidentId);
  return plan;
});
