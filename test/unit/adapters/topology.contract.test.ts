import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDbTopology } from '../../../lambdas/adapters/aws/dynamodb-topology';
import { JsonFileTopology } from '../../../lambdas/adapters/local/json-topology';
import { parseTopologyExport } from '../../../lambdas/agents/dependency/topology-export';
import type { TopologySource } from '../../../lambdas/ports/topology';
import { fakeDynamoDbTable } from './support/fake-dynamodb-table';

const NOW = new Date('2026-11-20T12:00:00Z');

/** A CMDB-style export in Lumos' JSON shape. */
const EXPORT = {
  services: [
    { id: 'web', criticality: 'high', dependsOn: ['checkout'] },
    {
      id: 'checkout',
      owner: 'Payments',
      aliases: ['checkout-api'],
      dependsOn: ['payments', { id: 'orders-db', kind: 'writes' }],
    },
    { id: 'payments', dependsOn: ['card-processor'] },
  ],
  changes: [
    { id: 'CHG1', component: 'payments', at: '2026-11-20T11:30:00Z', kind: 'deployment', summary: 'release 2.14' },
    { id: 'CHG2', component: 'orders-db', at: '2026-11-20T09:00:00Z', kind: 'config', summary: 'max_connections' },
    { id: 'CHG3', component: 'payments', at: '2026-11-18T09:00:00Z', kind: 'deployment', summary: 'release 2.13' },
    { id: 'CHG4', component: 'web', at: '-30m', kind: 'deployment', summary: 'relative time' },
  ],
};

interface Harness {
  source: TopologySource;
  close(): void;
}

async function dynamoHarness(): Promise<Harness> {
  const table = fakeDynamoDbTable();
  const source = new DynamoDbTopology({ tableName: 'incidents' });
  await source.replaceWith(parseTopologyExport(EXPORT, NOW));
  return { source, close: table.restore };
}

async function fileHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'lumos-topology-'));
  const file = join(dir, 'topology.json');
  writeFileSync(file, JSON.stringify(EXPORT));
  return { source: new JsonFileTopology(file, () => NOW), close: () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each<[string, () => Promise<Harness>]>([
  ['DynamoDB', dynamoHarness],
  ['JSON file', fileHarness],
])('the %s topology source', (_name, make) => {
  let harness: Harness;
  beforeEach(async () => {
    harness = await make();
  });
  afterEach(() => harness.close());

  it('returns every component and dependency of the export, including ones only named as dependencies', async () => {
    const topology = await harness.source.topology();
    expect(topology.nodes.map((n) => n.id).sort()).toEqual([
      'card-processor',
      'checkout',
      'orders-db',
      'payments',
      'web',
    ]);
    expect(topology.nodes.find((n) => n.id === 'checkout')).toMatchObject({
      owner: 'Payments',
      aliases: ['checkout-api'],
    });
    expect(topology.edges).toContainEqual({ from: 'checkout', to: 'orders-db', kind: 'writes' });
    expect(topology.edges).toHaveLength(4);
  });

  it('returns the changes of the asked components inside the window, newest first', async () => {
    const changes = await harness.source.changes(['payments', 'orders-db'], new Date('2026-11-20T00:00:00Z'), NOW);
    expect(changes.map((c) => c.id)).toEqual(['CHG1', 'CHG2']);
  });

  it('resolves relative change times of sample data against the load time', async () => {
    const [change] = await harness.source.changes(['web'], new Date('2026-11-20T11:00:00Z'), NOW);
    expect(change).toMatchObject({ id: 'CHG4', at: '2026-11-20T11:30:00.000Z' });
  });
});

describe('the DynamoDB topology specifically', () => {
  it('removes graph items a new export no longer has, and keeps change history', async () => {
    const table = fakeDynamoDbTable();
    try {
      const source = new DynamoDbTopology({ tableName: 'incidents', cacheMs: 0 });
      await source.replaceWith(parseTopologyExport(EXPORT, NOW));
      const result = await source.replaceWith(
        parseTopologyExport({ services: [{ id: 'web', dependsOn: ['checkout'] }] }, NOW),
      );
      expect(result.deleted).toBe(6); // three nodes and the three edges that touched them
      const topology = await source.topology();
      expect(topology.nodes.map((n) => n.id).sort()).toEqual(['checkout', 'web']);
      expect(await source.changes(['payments'], new Date(0), NOW)).toHaveLength(2);
    } finally {
      table.restore();
    }
  });
});

describe('topology exports', () => {
  it('reads ServiceNow cmdb_rel_ci and change_request records, turning passive relations around', () => {
    const parsed = parseTopologyExport(
      {
        result: [
          {
            parent: { display_value: 'checkout' },
            child: { display_value: 'orders-db' },
            type: { display_value: 'Depends on::Used by' },
          },
          {
            parent: { display_value: 'k8s-node-1' },
            child: { display_value: 'checkout' },
            type: { display_value: 'Hosts::Hosted on' },
          },
          {
            number: 'CHG0042',
            cmdb_ci: { display_value: 'checkout' },
            start_date: '2026-11-20 10:00:00',
            short_description: 'Deploy',
            type: 'Normal',
            risk: '2 - High',
          },
        ],
      },
      NOW,
    );
    expect(parsed.topology.edges).toEqual([
      { from: 'checkout', to: 'orders-db', kind: 'depends on' },
      { from: 'checkout', to: 'k8s-node-1', kind: 'hosts' },
    ]);
    expect(parsed.changes).toEqual([
      {
        id: 'CHG0042',
        component: 'checkout',
        at: '2026-11-20T10:00:00.000Z',
        kind: 'normal',
        summary: 'Deploy',
        by: undefined,
        risk: 'high',
      },
    ]);
  });

  it('rejects something that is no export, naming the problem', () => {
    expect(() => parseTopologyExport({ services: [{ name: 'no id' }] })).toThrow(/not a topology export/);
  });
});
