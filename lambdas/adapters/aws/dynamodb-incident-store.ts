import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentStatus } from '../../core/incident';
import {
  type DeliveryClaim,
  type IncidentChanges,
  IncidentExistsError,
  IncidentNotFoundError,
  type IncidentStore,
} from '../../ports/incident-store';

const CLOSED: IncidentStatus[] = ['resolved', 'closed'];
const DAY = 86_400;

const incidentKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'META' });

/** Strips the table's own key attributes so what comes back is exactly an Incident. */
function toIncident(item: Record<string, unknown>): Incident {
  const { pk: _pk, sk: _sk, entity: _entity, ...incident } = item;
  return incident as Incident;
}

/**
 * Incident store on one DynamoDB table (single-table: incidents and delivery claims).
 * Works unchanged against DynamoDB Local: only the client's endpoint differs.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async claimDelivery(deliveryId: string, incidentId: string | null, ttlSeconds = 30 * DAY): Promise<DeliveryClaim> {
    const key = { pk: `DELIVERY#${deliveryId}`, sk: 'DELIVERY' };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            incidentId,
            claimedAt: new Date().toISOString(),
            expiresAt: Math.floor(Date.now() / 1000) + ttlSeconds,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      return { claimed: false, incidentId: (existing.Item?.incidentId as string | null | undefined) ?? null };
    }
  }

  async create(incident: Incident): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...incidentKey(incident.incidentId), entity: 'INCIDENT', ...incident },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new IncidentExistsError(incident.incidentId);
      throw error;
    }
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: incidentKey(incidentId), ConsistentRead: true }),
    );
    return result.Item ? toIncident(result.Item) : undefined;
  }

  async list(options: { status?: IncidentStatus; limit?: number } = {}): Promise<Incident[]> {
    const limit = options.limit ?? 50;
    const incidents: Incident[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byCreated',
          KeyConditionExpression: 'entity = :entity',
          ScanIndexForward: false,
          ExclusiveStartKey: cursor,
          Limit: Math.max(limit, 25),
          ...(options.status
            ? {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':entity': 'INCIDENT', ':status': options.status },
              }
            : { ExpressionAttributeValues: { ':entity': 'INCIDENT' } }),
        }),
      );
      incidents.push(...(page.Items ?? []).map(toIncident));
      cursor = page.LastEvaluatedKey;
    } while (cursor && incidents.length < limit);
    return incidents.slice(0, limit);
  }

  async findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byFingerprint',
        KeyConditionExpression: 'fingerprint = :fingerprint',
        ExpressionAttributeValues: { ':fingerprint': fingerprint },
        ScanIndexForward: false,
        Limit: 10,
      }),
    );
    const open = (result.Items ?? []).map(toIncident).find((incident) => !CLOSED.includes(incident.status));
    // The index is eventually consistent; re-read so callers act on the current item.
    return open ? this.get(open.incidentId) : undefined;
  }

  async update(incidentId: string, changes: IncidentChanges): Promise<Incident> {
    const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':updatedAt': new Date().toISOString() };
    const sets = ['#updatedAt = :updatedAt'];
    Object.entries(changes.set ?? {}).forEach(([field, value], i) => {
      if (value === undefined) return;
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      sets.push(`#f${i} = :f${i}`);
    });
    if (changes.agents && Object.keys(changes.agents).length > 0) {
      names['#agents'] = 'agents';
      Object.entries(changes.agents).forEach(([agent, value], i) => {
        names[`#a${i}`] = agent;
        values[`:a${i}`] = value;
        sets.push(`#agents.#a${i} = :a${i}`);
      });
    }
    if (changes.append && changes.append.length > 0) {
      names['#timeline'] = 'timeline';
      values[':entries'] = changes.append;
      values[':empty'] = [];
      sets.push('#timeline = list_append(if_not_exists(#timeline, :empty), :entries)');
    }
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: incidentKey(incidentId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toIncident(result.Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new IncidentNotFoundError(incidentId);
      throw error;
    }
  }
}
