import { z } from 'zod';
import { runAgentStep } from '../../../lambdas/agents/agent-step';
import { sha256Hex } from '../../../lambdas/core/ids';
import { canonicalJson, verifyChain } from '../../../lambdas/governance/audit/audit-chain';
import type { AuditTrail } from '../../../lambdas/ports/audit';
import type { LanguageModel } from '../../../lambdas/ports/llm';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { MemoryAuditTrail } from '../governance/fakes';
import { anIncident, clockAt } from './support/incident';

const clock = clockAt('2026-11-20T10:01:00.000Z');

describe('runAgentStep and the audit trail', () => {
  let store: MemoryIncidentStore;
  let audit: MemoryAuditTrail;
  beforeEach(async () => {
    store = new MemoryIncidentStore();
    audit = new MemoryAuditTrail(clock);
    await store.create(anIncident({ incidentId: 'inc-7', title: 'Disk full on db-1' }));
  });

  it('appends one agent.decision record per decision, naming the local method and hashing the incident it saw', async () => {
    const seen = (await store.get('inc-7'))!;
    const output = await runAgentStep('sentiment', 'inc-7', { store, clock, audit }, async () => ({
      result: { status: 'scored' },
      summary: 'calm',
      data: { current: 0.1 },
      output: { status: 'scored', escalate: false },
      method: 'sentiment-lexicon',
    }));
    expect(output).toEqual({ status: 'scored', escalate: false });
    const records = await audit.list('inc-7');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      seq: 1,
      type: 'agent.decision',
      actor: 'agent:sentiment',
      summary: 'sentiment: calm',
      data: {
        agent: 'sentiment',
        modelId: 'local:sentiment-lexicon',
        promptHash: sha256Hex(canonicalJson(seen)),
        promptOf: 'incident',
        retrieved: [],
        output: { result: { status: 'scored', escalate: false }, detail: { current: 0.1 } },
        outputHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });

    await runAgentStep('dependency', 'inc-7', { store, clock, audit }, async () => ({
      result: {},
      summary: 'mapped',
      output: { status: 'mapped' },
    }));
    const chain = await audit.list('inc-7');
    expect(chain.map((r) => [r.seq, r.actor])).toEqual([
      [1, 'agent:sentiment'],
      [2, 'agent:dependency'],
    ]);
    expect(chain[1]!.data.modelId).toBe('local:dependency');
    expect(verifyChain('inc-7', chain).ok).toBe(true);
  });

  it('names the model that answered and hashes the exact requests it was sent, with the articles retrieved', async () => {
    const llm: LanguageModel = {
      generate: async <T>() => ({
        output: { verdict: 'ok' } as T,
        usage: { inputTokens: 10, outputTokens: 2 },
        modelId: 'anthropic.claude-test',
      }),
    };
    const request = {
      agent: 'knowledge',
      incidentId: 'inc-7',
      task: 'suggest_resolution',
      taskDescription: 'a resolution',
      instructions: 'Use only the excerpts.',
      untrusted: [{ label: 'ticket.title', text: 'Disk full on db-1' }],
      schema: z.object({ verdict: z.string() }),
    };
    await runAgentStep('knowledge', 'inc-7', { store, clock, audit }, async (_incident, decision) => {
      await decision.model(llm).generate(request);
      return {
        result: {},
        summary: '1 article',
        output: { articleCount: 1 },
        method: 'hybrid-retrieval',
        retrieved: [{ articleId: 'linux/disk-full.md', version: '2026-10-01T00:00:00.000Z' }],
      };
    });
    const { schema: _schema, ...sent } = request;
    expect((await audit.list('inc-7'))[0]!.data).toMatchObject({
      modelId: 'anthropic.claude-test',
      promptHash: sha256Hex(canonicalJson([sent])),
      promptOf: 'model-requests',
      retrieved: [{ articleId: 'linux/disk-full.md', version: '2026-10-01T00:00:00.000Z' }],
    });
  });

  it('fails the step with a transient error, and leaves the incident untouched, when the audit append fails', async () => {
    const broken: AuditTrail = {
      append: async () => Promise.reject(new Error('audit table unavailable')),
      list: async () => [],
    };
    await expect(
      runAgentStep('routing', 'inc-7', { store, clock, audit: broken }, async () => ({
        result: { group: 'DBA' },
        summary: 'Routed to DBA',
        output: { group: 'DBA' },
      })),
    ).rejects.toMatchObject({
      name: 'Lumos.TransientError',
      message: expect.stringContaining('audit table unavailable'),
    });
    const incident = (await store.get('inc-7'))!;
    expect(incident.agents.routing).toBeUndefined();
    expect(incident.timeline).toEqual([]);
  });

  it('records no decision when the agent fails', async () => {
    await expect(
      runAgentStep('dependency', 'inc-7', { store, clock, audit }, async () => {
        throw new Error('topology gone');
      }),
    ).rejects.toThrow('topology gone');
    expect(await audit.list('inc-7')).toEqual([]);
  });
});
