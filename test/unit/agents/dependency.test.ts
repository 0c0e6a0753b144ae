import { buildGraph, locateService, mapDependencies } from '../../../lambdas/agents/dependency/core';
import type { ChangeRecord, Topology, TopologySource } from '../../../lambdas/ports/topology';
import { anIncident, clockAt } from './support/incident';

const TOPOLOGY: Topology = {
  nodes: [
    { id: 'web', criticality: 'high', owner: 'Web' },
    { id: 'mobile', criticality: 'high', owner: 'Mobile' },
    { id: 'reports', criticality: 'low', owner: 'Data' },
    { id: 'checkout', aliases: ['checkout-api'], owner: 'Payments' },
    { id: 'payments' },
    { id: 'orders-db', kind: 'database' },
    { id: 'card-processor', kind: 'external' },
  ],
  edges: [
    { from: 'web', to: 'checkout' },
    { from: 'mobile', to: 'checkout' },
    { from: 'reports', to: 'orders-db' },
    { from: 'checkout', to: 'payments', kind: 'calls' },
    { from: 'checkout', to: 'orders-db', kind: 'writes' },
    { from: 'payments', to: 'card-processor' },
  ],
};

const source = (changes: ChangeRecord[] = []): TopologySource & { asked: unknown[] } => {
  const asked: unknown[] = [];
  return {
    asked,
    topology: async () => TOPOLOGY,
    changes: async (components, since, until) => {
      asked.push({ components: [...components].sort(), since, until });
      return changes.filter((c) => components.includes(c.component)).sort((a, b) => b.at.localeCompare(a.at));
    },
  };
};

const opened = '2026-11-20T10:00:00.000Z';
const clock = clockAt('2026-11-20T10:02:00.000Z');

describe('the dependency agent', () => {
  it('finds the service by id, alias, or a whole-word mention in the title', () => {
    const graph = buildGraph(TOPOLOGY);
    expect(locateService(graph, { service: 'checkout', labels: {}, title: '' })).toEqual({
      id: 'checkout',
      matchedBy: 'id',
    });
    expect(locateService(graph, { service: 'Checkout-API', labels: {}, title: '' })).toEqual({
      id: 'checkout',
      matchedBy: 'alias',
    });
    expect(locateService(graph, { labels: {}, title: 'Errors on payments after deploy' })).toEqual({
      id: 'payments',
      matchedBy: 'title',
    });
    expect(locateService(graph, { labels: {}, title: 'paymentsfoo broken' })).toBeUndefined();
  });

  it('maps upstream dependencies with their paths and the downstream blast radius', async () => {
    const result = await mapDependencies(anIncident({ service: 'checkout', createdAt: opened }), {
      topology: source(),
      clock,
    });
    expect(result.dependencies.map((d) => [d.id, d.depth])).toEqual([
      ['orders-db', 1],
      ['payments', 1],
      ['card-processor', 2],
    ]);
    expect(result.dependencies.find((d) => d.id === 'card-processor')?.path).toEqual([
      'checkout',
      'payments',
      'card-processor',
    ]);
    expect(result.dependents.map((d) => d.id)).toEqual(['mobile', 'web']);
    expect(result.blastRadius).toEqual({
      components: 2,
      highCriticality: ['mobile', 'web'],
      owners: ['Mobile', 'Web'],
    });
  });

  it('ranks a dependency deployed just before the incident above older changes and the quiet service itself', async () => {
    const changes: ChangeRecord[] = [
      {
        id: 'CHG-OLD',
        component: 'orders-db',
        at: '2026-11-20T04:00:00.000Z',
        kind: 'config',
        summary: 'vacuum settings',
      },
      {
        id: 'CHG-NEW',
        component: 'payments',
        at: '2026-11-20T09:45:00.000Z',
        kind: 'deployment',
        summary: 'release 2.14',
        risk: 'high',
      },
    ];
    const topology = source(changes);
    const result = await mapDependencies(anIncident({ service: 'checkout', createdAt: opened }), { topology, clock });
    expect(result.suspects.map((s) => s.component).slice(0, 3)).toEqual(['payments', 'checkout', 'orders-db']);
    expect(result.suspects[0]).toMatchObject({ changeIds: ['CHG-NEW'] });
    expect(result.suspects[0]!.reasons).toEqual([
      'direct dependency of checkout',
      "deployment CHG-NEW 'release 2.14' 15 min before the incident",
    ]);
    expect(result.changes.map((c) => c.id)).toEqual(['CHG-NEW', 'CHG-OLD']);
    expect(result.confidence).toBeGreaterThan(0.7);
    expect(result.summary).toMatch(/top suspect payments/);
    expect(topology.asked[0]).toEqual({
      components: ['card-processor', 'checkout', 'mobile', 'orders-db', 'payments', 'web'],
      since: new Date('2026-11-19T10:00:00.000Z'),
      until: new Date('2026-11-20T10:02:00.000Z'),
    });
  });

  it('counts a change made after the incident opened at half weight: it is often the fix', async () => {
    const after: ChangeRecord = {
      id: 'CHG-FIX',
      component: 'payments',
      at: '2026-11-20T10:01:00.000Z',
      kind: 'deployment',
      summary: 'hotfix',
    };
    const before: ChangeRecord = { ...after, id: 'CHG-CAUSE', at: '2026-11-20T09:59:00.000Z' };
    const scoreWith = async (change: ChangeRecord) =>
      (
        await mapDependencies(anIncident({ service: 'checkout', createdAt: opened }), {
          topology: source([change]),
          clock,
        })
      ).suspects[0]!.score;
    expect(await scoreWith(after)).toBeLessThan(await scoreWith(before));
  });

  it('skips, naming the service, when the graph does not know it', async () => {
    const result = await mapDependencies(anIncident({ service: 'mainframe', title: 'batch late', createdAt: opened }), {
      topology: source(),
      clock,
    });
    expect(result).toMatchObject({
      status: 'skipped',
      reason: "'mainframe' is not in the service graph",
      suspects: [],
      confidence: 0,
    });
  });
});
