import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TopologyExport } from '../../agents/dependency/topology-export';
import type { ChangeRecord, Topology, TopologyEdge, TopologyNode, TopologySource } from '../../ports/topology';

const GRAPH_PK = 'TOPOLOGY';
const changePk = (component: string) => `CHANGE#${component}`;

/** Options of {@link DynamoDbTopology}. */
export interface DynamoDbTopologyOptions {
  readonly tableName: string;
  readonly client?: DynamoDBClient;
  /** How long a loaded graph is reused inside one Lambda container. @default 300000 (5 minutes) */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * The service graph on the incident table (single-table): nodes `pk=TOPOLOGY, sk=NODE#<id>`, edges
 * `pk=TOPOLOGY, sk=EDGE#<from>#<to>`, changes `pk=CHANGE#<component>, sk=<at>#<id>` so one Query per component reads
 * a time range. Loaded from a CMDB/JSON export with {@link DynamoDbTopology.replaceWith}.
 */
export class DynamoDbTopology implements TopologySource {
  private readonly doc: DynamoDBDocumentClient;
  private cached?: { at: number; topology: Topology };

  constructor(private readonly options: DynamoDbTopologyOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    });
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async queryAll(input: QueryCommandInput): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  async topology(): Promise<Topology> {
    if (this.cached && this.now() - this.cached.at < (this.options.cacheMs ?? 300_000)) return this.cached.topology;
    const items = await this.queryAll({
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': GRAPH_PK },
    });
    const nodes: TopologyNode[] = [];
    const edges: TopologyEdge[] = [];
    for (const item of items) {
      const sk = String(item.sk);
      if (sk.startsWith('NODE#')) nodes.push(item.node as TopologyNode);
      else if (sk.startsWith('EDGE#')) edges.push(item.edge as TopologyEdge);
    }
    const topology = { nodes, edges };
    this.cached = { at: this.now(), topology };
    return topology;
  }

  async changes(components: readonly string[], since: Date, until: Date): Promise<ChangeRecord[]> {
    const pages = await Promise.all(
      [...new Set(components)].map((component) =>
        this.queryAll({
          TableName: this.options.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': changePk(component),
            ':from': since.toISOString(),
            // `#` sorts after every character an ISO timestamp ends with, so changes at exactly `until` are included.
            ':to': `${until.toISOString()}#\uffff`,
          },
        }),
      ),
    );
    return pages
      .flat()
      .map((item) => item.change as ChangeRecord)
      .sort((a, b) => b.at.localeCompare(a.at));
  }

  /**
   * Replaces the stored graph with an export: writes every node, edge and change, then deletes graph items the export
   * no longer has. Changes are history and are only added (a change id rewritten in place keeps its key).
   */
  async replaceWith(data: TopologyExport): Promise<{ written: number; deleted: number }> {
    const existing = await this.queryAll({
      TableName: this.options.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': GRAPH_PK },
      ProjectionExpression: 'pk, sk',
    });
    const puts: Record<string, unknown>[] = [
      ...data.topology.nodes.map((node) => ({ pk: GRAPH_PK, sk: `NODE#${node.id}`, node })),
      ...data.topology.edges.map((edge) => ({ pk: GRAPH_PK, sk: `EDGE#${edge.from}#${edge.to}`, edge })),
      ...data.changes.map((change) => ({ pk: changePk(change.component), sk: `${change.at}#${change.id}`, change })),
    ];
    const keep = new Set(puts.map((item) => `${item.pk}\u0000${item.sk}`));
    const stale = existing.filter((item) => !keep.has(`${item.pk}\u0000${item.sk}`));
    const requests = [
      ...puts.map((Item) => ({ PutRequest: { Item } })),
      ...stale.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
    ];
    for (let i = 0; i < requests.length; i += 25) {
      let pending: typeof requests | undefined = requests.slice(i, i + 25);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed topology items');
        const result = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.options.tableName]: pending } }),
        );
        pending = result.UnprocessedItems?.[this.options.tableName] as typeof requests | undefined;
        if (pending?.length) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
    this.cached = undefined;
    return { written: puts.length, deleted: stale.length };
  }
}
