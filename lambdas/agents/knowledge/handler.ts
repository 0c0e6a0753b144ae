import middy from '@middy/core';
import '../../runtime/aws-defaults';
import { dependency } from '../../runtime/dependencies';
import { logger } from '../../shared/observability';
import { loadIncident, parseStepInput, StepInput } from '../../workflow/step-input';
import { retrieveKnowledge } from './core';

/** Workflow step `Knowledge`: finds the articles and runbooks a responder needs, with scores and snippets. */
export const handler = middy<unknown, { articleCount: number }>().handler(async (payload) => {
  const { incidentId } = parseStepInput(StepInput, payload);
  const store = dependency('store');
  const incident = await loadIncident(store, incidentId);
  const knowledge = await retrieveKnowledge(incident, dependency('knowledge'), { k: 5 });
  const top = knowledge.articles[0];
  await store.update(incidentId, {
    set: { knowledge },
    append: [
      {
        at: dependency('clock').now().toISOString(),
        actor: 'knowledge',
        type: 'agent.knowledge',
        summary: top
          ? `${knowledge.articles.length} articles; best: ${top.title} (${top.score.toFixed(2)})`
          : 'No matching knowledge articles',
        data: { articleIds: knowledge.articles.map((a) => a.articleId) },
      },
    ],
  });
  logger.info('knowledge retrieved', { incidentId, articles: knowledge.articles.length });
  return { articleCount: knowledge.articles.length };
});
