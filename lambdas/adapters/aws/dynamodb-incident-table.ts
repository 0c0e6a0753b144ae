import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../../core/ids';
import type { Incident, IncidentStatus } from '../../core/incident';
import type { CorrelationRoster, DeliveryRecord, IncidentChanges } from '../../ports/incident-store';
import { decodeIncidentAttributes, encodeIncidentField } from './incident-item-codec';

export const CLOSED: IncidentStatus[] = ['resolved', 'closed'];
export const DAY = 86_400;

/** Key parts longer than this are hashed (DynamoDB allows 2 KB per partition key; some fingerprints are long). */
const MAX_KEY_BYTES = 512;
export const keyPart = (text: string) =>
  Buffer.byteLength(text, 'utf8') <= MAX_KEY_BYTES ? text : `sha256:${sha256Hex(text)}`;
/** Roster sets hold short hashes of fingerprints: idempotent set arithmetic on a small item. */
export const member = (fingerprint: string) => sha256Hex(fingerprint).slice(0, 24);

export const incidentKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'META' });
export const rosterKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'ROSTER' });
export const signalKey = (incidentId: string, fingerprint: string) => ({
  pk: `INCIDENT#${incidentId}`,
  sk: `SIGNAL#${member(fingerprint)}`,
});
export const pointerKey = (key: string) => ({ pk: `CORRELATION#${keyPart(key)}`, sk: 'OPEN' });
export const recoveryKey = (key: string) => ({ pk: `CORRELATION#${keyPart(key)}`, sk: 'RECOVERED' });
export const windowKey = (service: string) => ({ pk: `SERVICE#${keyPart(service)}`, sk: 'WINDOW' });
export const deliveryKey = (deliveryId: string) => ({ pk: `DELIVERY#${keyPart(deliveryId)}`, sk: 'DELIVERY' });
export const failedKey = (source: string, key: string) => ({ pk: `FAILED#${source}`, sk: keyPart(key) });

export const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** Strips the table's own key attributes so what comes back is exactly an Incident. */
export function toIncident(item: Record<string, unknown>): Incident {
  const { pk: _pk, sk: _sk, entity: _entity, ...incident } = item;
  return decodeIncidentAttributes(incident) as Incident;
}

export function toRoster(item: Record<string, unknown> | undefined): CorrelationRoster | undefined {
  if (!item) return undefined;
  return {
    open: item.open === true,
    members: (item.members as Set<string> | undefined)?.size ?? 0,
    firing: (item.firing as Set<string> | undefined)?.size ?? 0,
    openedAt: String(item.openedAt ?? ''),
  };
}

export function toDelivery(item: Record<string, unknown>): DeliveryRecord {
  return {
    deliveryId: String(item.deliveryId ?? ''),
    // Claims written before delivery states existed were only ever written once their effect was stored.
    state: (item.state as DeliveryRecord['state'] | undefined) ?? 'done',
    incidentId: (item.incidentId as string | null | undefined) ?? null,
    status: item.status as string | undefined,
    claimedAt: String(item.claimedAt ?? ''),
    attempts: Number(item.attempts ?? 1),
    error: item.error as string | undefined,
  };
}

export const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Cancellation codes of a failed transaction, item by item (`ConditionalCheckFailed`, `TransactionConflict`, `None`). */
export const cancellationCodes = (error: TransactionCanceledException) =>
  (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');

/**
 * The incident table (single-table). Besides incidents (`INCIDENT#<id>`/`META`) it keeps, all
 * written with conditional expressions so concurrent intakes agree:
 * - `INCIDENT#<id>`/`ROSTER`: the incident's signals as string sets (`members`, `firing`) and whether it is open;
 * - `INCIDENT#<id>`/`SIGNAL#<hash>`: one item per correlated signal;
 * - `CORRELATION#<key>`/`OPEN`: which open incident a fingerprint or group key belongs to (the per-key lock);
 *   `CORRELATION#<key>`/`RECOVERED`: a recovery that found nothing open (TTL one day);
 * - `SERVICE#<service>`/`WINDOW`: the incident absorbing a service's new signals until `endsAt` (the window lock);
 * - `DELIVERY#<id>`/`DELIVERY`: idempotency claims (TTL); `FAILED#<source>`/`<deliveryKey>`: failed deliveries.
 * None of these carry `entity` or `fingerprint`+`createdAt`, so the two GSIs index incidents only.
 * Works unchanged against DynamoDB Local: only the client's endpoint differs.
 * The adapters of the incident store's interfaces share one of these.
 */
export class IncidentTable {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly name: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  async getItem(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const result = await this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return result.Item;
  }

  /** An update whose failed condition is an expected outcome: true when it applied. */
  async conditionalUpdate(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.name, ...input }));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  async conditionalDelete(key: Record<string, string>, incidentId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.name,
          Key: key,
          ConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incidentId },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Number.POSITIVE_INFINITY) {
    const items: Record<string, unknown>[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(new QueryCommand({ TableName: this.name, ...input, ExclusiveStartKey: cursor }));
      items.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor && items.length < limit);
    return items.slice(0, limit);
  }
}

/** SET/append expression for {@link IncidentChanges}, bumping `updatedAt`. */
export function changeExpression(changes: IncidentChanges) {
  const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':updatedAt': new Date().toISOString() };
  const sets = ['#updatedAt = :updatedAt'];
  Object.entries(changes.set ?? {}).forEach(([field, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = field;
    values[`:f${i}`] = encodeIncidentField(field, value);
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
  return {
    UpdateExpression: `SET ${sets.join(', ')}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
