import middy from '@middy/core';
import { z } from 'zod';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { BadRequestError } from '../../shared/errors';
import type { Plan } from '../plan/core';
import { loadIncident, parseStepInput } from '../step-input';

const Input = z.object({
  incidentId: z.string(),
  plan: z.looseObject({ planId: z.string(), actionHash: z.string() }),
  approval: z.looseObject({ decision: z.string(), actionHash: z.string().optional() }).optional(),
});

/**
 * Workflow step `ExecutePlan`: carries out the stored plan. It acts only on the plan whose hash the workflow (and,
 * when gated, the approver) agreed to; a plan changed in between is refused rather than executed.
 */
export const handler = middy<unknown, { status: string; actions: number }>().handler(async (payload) => {
  const { incidentId, plan: ref, approval } = parseStepInput(Input, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const plan = incident.agents.plan as Plan | undefined;
  if (
    !plan ||
    plan.actionHash !== ref.actionHash ||
    (approval?.actionHash && approval.actionHash !== plan.actionHash)
  ) {
    throw new BadRequestError(
      `plan for ${incidentId} changed after it was planned/approved; refusing to execute`,
      'plan_mismatch',
    );
  }
  const at = dependency('clock').now().toISOString();
  const done: string[] = [];
  for (const action of plan.actions) {
    if (action.type === 'assign') done.push(`assigned to ${action.target}`);
    if (action.type === 'post-work-note') {
      const triage = incident.triage;
      const articles = incident.knowledge?.articles ?? [];
      await dependency('notifier').send({
        channel: 'itsm',
        recipient: `${incident.source}:${incident.externalId}`,
        subject: 'Lumos first response',
        text: [
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
          .join('\n'),
        incidentId,
      });
      done.push('posted first response');
    }
    if (action.type === 'human-review') done.push(`review confirmed by ${action.target}`);
  }
  await store.update(incidentId, {
    set: { status: 'in_progress' },
    append: [{ at, actor: 'executor', type: 'plan.executed', summary: done.join('; '), data: { planId: plan.planId } }],
  });
  return { status: 'done', actions: done.length };
});
