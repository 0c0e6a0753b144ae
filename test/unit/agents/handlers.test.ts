import type { Context } from 'aws-lambda';
import { HeuristicLanguageModel } from '../../../lambdas/adapters/local/heuristic-language-model';
import { handler as dependencyHandler } from '../../../lambdas/agents/dependency/handler';
import { handler as knowledgeHandler } from '../../../lambdas/agents/knowledge/handler';
import { extractiveResolution } from '../../../lambdas/agents/knowledge/suggested-resolution';
import { handler as logAnalysisHandler } from '../../../lambdas/agents/log-analysis/handler';
import { handler as sentimentHandler } from '../../../lambdas/agents/sentiment/handler';
import { handler as triageHandler } from '../../../lambdas/agents/triage/handler';
import { MemoryTokenLedger, TokenBudget } from '../../../lambdas/llm/token-budget';
import { LanguageModelUnavailableError } from '../../../lambdas/ports/llm';
import { provideDependencies, resetDependencies } from '../../../lambdas/runtime/dependencies';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { MemoryAuditTrail } from '../governance/fakes';
import { anIncident, clockAt } from './support/incident';

const context = {} as Context;
const noModel = { generate: async () => Promise.reject(new LanguageModelUnavailableError('none')) };

describe('the agent handlers', () => {
  let store: MemoryIncidentStore;
  let audit: MemoryAuditTrail;
  beforeEach(async () => {
    resetDependencies();
    store = new MemoryIncidentStore();
    audit = new MemoryAuditTrail();
    await store.create(
      anIncident({
        incidentId: 'inc-42',
        service: 'checkout',
        title: 'Checkout API returning 503',
        description: 'Customers are furious, this is unacceptable!!',
        createdAt: '2026-11-20T10:00:00.000Z',
      }),
    );
    provideDependencies({
      store,
      audit,
      clock: clockAt('2026-11-20T10:01:00.000Z'),
      llm: noModel,
      triageModel: { load: async () => undefined },
      logs: {
        fetch: async () => ({
          events: [
            { timestamp: '2026-11-20T09:59:00.000Z', message: 'ERROR payment timeout' },
            { timestamp: '2026-11-20T09:59:30.000Z', message: 'ERROR payment timeout' },
          ],
          sources: ['checkout.log'],
          truncated: false,
        }),
      },
      topology: {
        topology: async () => ({
          nodes: [{ id: 'checkout' }, { id: 'payments' }],
          edges: [{ from: 'checkout', to: 'payments' }],
        }),
        changes: async () => [],
      },
    });
  });
  afterAll(() => resetDependencies());

  it('each write their result under agents.<name> and one timeline entry, and answer the state machine briefly', async () => {
    await expect(sentimentHandler({ incidentId: 'inc-42' }, context)).resolves.toEqual({
      status: 'scored',
      escalate: true,
    });
    await expect(logAnalysisHandler({ incidentId: 'inc-42' }, context)).resolves.toEqual({
      status: 'analysed',
      anomalyCount: 1,
    });
    await expect(dependencyHandler({ incidentId: 'inc-42' }, context)).resolves.toEqual({
      status: 'mapped',
      suspectCount: 2,
    });
    const incident = (await store.get('inc-42'))!;
    expect(Object.keys(incident.agents).sort()).toEqual(['dependency', 'log-analysis', 'sentiment']);
    expect(incident.agents.sentiment).toMatchObject({ escalation: { raised: true } });
    expect(incident.timeline.map((e) => [e.actor, e.type])).toEqual([
      ['sentiment', 'agent.sentiment'],
      ['log-analysis', 'agent.log-analysis'],
      ['dependency', 'agent.dependency'],
    ]);
    expect((await audit.list('inc-42')).map((r) => [r.seq, r.actor, r.data.modelId])).toEqual([
      [1, 'agent:sentiment', 'local:sentiment-lexicon'],
      [2, 'agent:log-analysis', 'local:log-templates'],
      [3, 'agent:dependency', 'local:topology-graph'],
    ]);
  });

  it('triage keeps the top-level triage and priority, and keeps its evidence under agents.triage', async () => {
    const result = await triageHandler({ incidentId: 'inc-42' }, context);
    expect(result).toMatchObject({ category: 'application', assignmentGroup: 'Application Support' });
    const incident = (await store.get('inc-42'))!;
    expect(incident.triage).toEqual(result);
    expect(incident.status).toBe('triaged');
    expect(incident.agents.triage).toMatchObject({
      rules: { category: 'application' },
      similarIncidents: [],
      modelSkipped: 'LanguageModelUnavailableError: none',
    });
    const records = await audit.list('inc-42');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: 'agent.decision',
      actor: 'agent:triage',
      data: {
        agent: 'triage',
        modelId: `local:triage-${result.method ?? 'rules'}`,
        promptOf: 'incident',
        promptHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        retrieved: [],
        output: { result: { priority: result.priority, category: 'application' } },
      },
    });
  });

  it('record a failure on the incident before the state machine degrades the branch', async () => {
    provideDependencies({
      topology: {
        topology: async () =>
          Promise.reject(Object.assign(new Error('table gone'), { name: 'ResourceNotFoundException' })),
        changes: async () => [],
      },
    });
    await expect(dependencyHandler({ incidentId: 'inc-42' }, context)).rejects.toThrow('table gone');
    const incident = (await store.get('inc-42'))!;
    expect(incident.agents.dependency).toEqual({
      status: 'failed',
      error: 'ResourceNotFoundException',
      message: 'table gone',
    });
    expect(incident.timeline.at(-1)).toMatchObject({ actor: 'dependency', type: 'dependency.failed' });
  });

  it('knowledge cites its articles and grounds a suggested resolution in their sections', async () => {
    const ledger = new MemoryTokenLedger();
    provideDependencies({
      llm: new HeuristicLanguageModel({
        skills: { suggest_resolution: extractiveResolution },
        budget: new TokenBudget(ledger, 10_000),
      }),
      knowledge: Object.assign(
        {
          search: async () => [
            {
              articleId: 'application/api-5xx-after-deploy.md',
              title: 'API 5xx after a deploy',
              score: 0.8,
              snippet: 'Errors right after a release.',
              updatedAt: '2026-10-01T00:00:00.000Z',
            },
          ],
        },
        {
          chunksOf: async () => [
            {
              chunkId: 'a#0',
              articleId: 'application/api-5xx-after-deploy.md',
              title: 'API 5xx after a deploy',
              section: 'Mitigation',
              text: '- Roll back the release to the last good version\n- Check the error rate after the rollback',
            },
          ],
        },
      ),
    });
    await expect(knowledgeHandler({ incidentId: 'inc-42' }, context)).resolves.toEqual({ articleCount: 1 });
    const incident = (await store.get('inc-42'))!;
    expect(incident.knowledge?.articles[0]).toMatchObject({
      articleId: 'application/api-5xx-after-deploy.md',
      updatedAt: '2026-10-01T00:00:00.000Z',
      snippet: 'Errors right after a release.',
    });
    expect(incident.knowledge?.suggestedResolution).toContain(
      '1. Roll back the release to the last good version [application/api-5xx-after-deploy.md]',
    );
    expect(incident.agents.knowledge).toMatchObject({
      citations: [{ articleId: 'application/api-5xx-after-deploy.md' }],
      suggestedResolution: { by: 'local:suggest_resolution' },
    });
    expect(await ledger.used('inc-42')).toBeGreaterThan(0);
    expect(incident.timeline.at(-1)).toMatchObject({ actor: 'knowledge', type: 'agent.knowledge' });
    const records = await audit.list('inc-42');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      type: 'agent.decision',
      actor: 'agent:knowledge',
      data: {
        agent: 'knowledge',
        modelId: 'local:suggest_resolution',
        promptOf: 'model-requests',
        promptHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        retrieved: [{ articleId: 'application/api-5xx-after-deploy.md', version: '2026-10-01T00:00:00.000Z' }],
        output: { result: { articleCount: 1 } },
      },
    });
  });

  it('reject a malformed step input by name', async () => {
    await expect(sentimentHandler({ nope: true }, context)).rejects.toMatchObject({ name: 'BadRequestError' });
  });
});
