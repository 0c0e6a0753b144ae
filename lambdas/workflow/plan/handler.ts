import middy from '@middy/core';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { approvalDeadlines } from '../deadlines';
import { loadIncident, parseStepInput, StepInput } from '../step-input';
import { type Plan, planResponse } from './core';

/** Workflow step `Plan`: decides what Lumos will do and whether a person must approve it first. */
export const handler = middy<unknown, Plan>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const plan = planResponse(incident, approvalDeadlines());
  await store.update(incidentId, {
    agents: { plan },
    append: [
      {
        at: dependency('clock').now().toISOString(),
        actor: 'planner',
        type: 'plan.created',
        summary: `${plan.actions.length} actions, ${plan.riskTier} risk${plan.requiresApproval ? ', needs approval' : ', runs autonomously'}`,
        data: { planId: plan.planId, actionHash: plan.actionHash },
      },
    ],
  });
  return plan;
});
