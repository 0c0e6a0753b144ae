import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { sha256Hex } from '../../core/ids';
import { type Incident, type IncidentStatus, type Priority, Source, type TimelineEntry } from '../../core/incident';
import {
  type AttachResult,
  type ClaimOptions,
  type CorrelationRoster,
  type DeliveryClaim,
  type DeliveryRecord,
  type FailedDelivery,
  type IncidentChanges,
  IncidentExistsError,
  IncidentNotFoundError,
  type IncidentStore,
  isClosed,
  type KeyState,
  type OpenClaims,
  type OpenResult,
  type RecoverResult,
  type ServiceWindow,
  type SignalMember,
} from '../../ports/incident-store';
import { decodeIncidentAttributes, encodeIncident, encodeIncidentField } from './incident-item-codec';

const CLOSED: IncidentStatus[] = ['resolved', 'closed'];
const DAY = 86_400;

/** Key parts longer than this are hashed (DynamoDB allows 2 KB per partition key; some fingerprints are long). */
const MAX_KEY_BYTES = 512;
const keyPart = (text: string) =>
  Buffer.byteLength(text, 'utf8') <= MAX_KEY_BYTES ? text : `sha256:${sha256Hex(text)}`;
/** Roster sets hold short hashes of fingerprints: idempotent set arithmetic on a small item. */
const member = (fingerprint: string) => sha256Hex(fingerprint).slice(0, 24);

const incidentKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'META' });
const rosterKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'ROSTER' });
const signalKey = (incidentId: string, fingerprint: string) => ({
  pk: `INCIDENT#${incidentId}`,
  sk: `SIGNAL#${member(fingerprint)}`,
});
const pointerKey = (key: string) => ({ pk: `CORRELATION#${keyPart(key)}`, sk: 'OPEN' });
const recoveryKey = (key: string) => ({ pk: `CORRELATION#${keyPart(key)}`, sk: 'RECOVERED' });
const windowKey = (service: string) => ({ pk: `SERVICE#${keyPart(service)}`, sk: 'WINDOW' });
const deliveryKey = (deliveryId: string) => ({ pk: `DELIVERY#${keyPart(deliveryId)}`, sk: 'DELIVERY' });
const failedKey = (source: string, key: string) => ({ pk: `FAILED#${source}`, sk: keyPart(key) });

const epoch = (date: Date) => Math.floor(date.getTime() / 1000);

/** Strips the table's own key attributes so what comes back is exactly an Incident. */
function toIncident(item: Record<string, unknown>): Incident {
  const { pk: _pk, sk: _sk, entity: _entity, ...incident } = item;
  return decodeIncidentAttributes(incident) as Incident;
}

function toRoster(item: Record<string, unknown> | undefined): CorrelationRoster | undefined {
  if (!item) return undefined;
  return {
    open: item.open === true,
    members: (item.members as Set<string> | undefined)?.size ?? 0,
    firing: (item.firing as Set<string> | undefined)?.size ?? 0,
    openedAt: String(item.openedAt ?? ''),
  };
}

function toDelivery(item: Record<string, unknown>): DeliveryRecord {
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

const conditionFailed = (error: unknown) => error instanceof ConditionalCheckFailedException;

/** Cancellation codes of a failed transaction, item by item (`ConditionalCheckFailed`, `TransactionConflict`, `None`). */
const cancellationCodes = (error: TransactionCanceledException) =>
  (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');

/**
 * Incident store on one DynamoDB table (single-table). Besides incidents (`INCIDENT#<id>`/`META`) it keeps, all
 * written with conditional expressions so concurrent intakes agree:
 * - `INCIDENT#<id>`/`ROSTER`: the incident's signals as string sets (`members`, `firing`) and whether it is open;
 * - `INCIDENT#<id>`/`SIGNAL#<hash>`: one item per correlated signal;
 * - `CORRELATION#<key>`/`OPEN`: which open incident a fingerprint or group key belongs to (the per-key lock);
 *   `CORRELATION#<key>`/`RECOVERED`: a recovery that found nothing open (TTL one day);
 * - `SERVICE#<service>`/`WINDOW`: the incident absorbing a service's new signals until `endsAt` (the window lock);
 * - `DELIVERY#<id>`/`DELIVERY`: idempotency claims (TTL); `FAILED#<source>`/`<deliveryKey>`: failed deliveries.
 * None of these carry `entity` or `fingerprint`+`createdAt`, so the two GSIs index incidents only.
 * Works unchanged against DynamoDB Local: only the client's endpoint differs.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }

  private async getItem(key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const result = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return result.Item;
  }

  /** An update whose failed condition is an expected outcome: true when it applied. */
  private async conditionalUpdate(input: Omit<UpdateCommandInput, 'TableName'>): Promise<boolean> {
    try {
      await this.doc.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  }

  private async conditionalDelete(key: Record<string, string>, incidentId: string): Promise<void> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incidentId },
        }),
      );
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit = Number.POSITIVE_INFINITY) {
    const items: Record<string, unknown>[] = [];
    let cursor: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({ TableName: this.tableName, ...input, ExclusiveStartKey: cursor }),
      );
      items.push(...(page.Items ?? []));
      cursor = page.LastEvaluatedKey;
    } while (cursor && items.length < limit);
    return items.slice(0, limit);
  }

  // --- delivery ledger -------------------------------------------------------------------------------------------

  async claimDelivery(deliveryId: string, options: ClaimOptions): Promise<DeliveryClaim> {
    const key = deliveryKey(deliveryId);
    const now = options.now.toISOString();
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key,
            deliveryId,
            state: 'pending',
            incidentId: null,
            claimedAt: now,
            attempts: 1,
            expiresAt: epoch(options.now) + (options.ttlSeconds ?? 30 * DAY),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { claimed: true, attempt: 1 };
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
    const existing = await this.getItem(key);
    if (!existing) return this.claimDelivery(deliveryId, options);
    const record = toDelivery(existing);
    const leaseOver = Date.parse(record.claimedAt) + options.leaseSeconds * 1000 < options.now.getTime();
    if (record.state === 'failed' || (record.state === 'pending' && leaseOver)) {
      try {
        const taken = await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression:
              'SET #state = :pending, claimedAt = :now, attempts = if_not_exists(attempts, :zero) + :one',
            ConditionExpression: '#state = :seen AND claimedAt = :seenAt',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':pending': 'pending',
              ':now': now,
              ':zero': 0,
              ':one': 1,
              ':seen': record.state,
              ':seenAt': record.claimedAt,
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { claimed: true, attempt: Number(taken.Attributes?.attempts ?? record.attempts + 1) };
      } catch (error) {
        if (!conditionFailed(error)) throw error;
        const now2 = await this.getItem(key);
        return { claimed: false, record: now2 ? toDelivery(now2) : record };
      }
    }
    return { claimed: false, record };
  }

  async completeDelivery(deliveryId: string, outcome: { incidentId: string | null; status: string }): Promise<void> {
    await this.conditionalUpdate({
      Key: deliveryKey(deliveryId),
      UpdateExpression: 'SET #state = :done, incidentId = :incidentId, #status = :status REMOVE #error',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state', '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: { ':done': 'done', ':incidentId': outcome.incidentId, ':status': outcome.status },
    });
  }

  async releaseDelivery(deliveryId: string, error: string): Promise<void> {
    await this.conditionalUpdate({
      Key: deliveryKey(deliveryId),
      UpdateExpression: 'SET #state = :failed, #error = :error',
      ConditionExpression: '#state = :pending',
      ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
      ExpressionAttributeValues: { ':failed': 'failed', ':pending': 'pending', ':error': error.slice(0, 2000) },
    });
  }

  async getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const item = await this.getItem(deliveryKey(deliveryId));
    return item ? toDelivery(item) : undefined;
  }

  // --- incidents -------------------------------------------------------------------------------------------------

  async create(incident: Incident): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...incidentKey(incident.incidentId), entity: 'INCIDENT', ...encodeIncident(incident) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (conditionFailed(error)) throw new IncidentExistsError(incident.incidentId);
      throw error;
    }
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const item = await this.getItem(incidentKey(incidentId));
    return item ? toIncident(item) : undefined;
  }

  async list(options: { status?: IncidentStatus; limit?: number } = {}): Promise<Incident[]> {
    const limit = options.limit ?? 50;
    const items = await this.queryAll(
      {
        IndexName: 'byCreated',
        KeyConditionExpression: 'entity = :entity',
        ScanIndexForward: false,
        Limit: Math.max(limit, 25),
        ...(options.status
          ? {
              FilterExpression: '#status = :status',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':entity': 'INCIDENT', ':status': options.status },
            }
          : { ExpressionAttributeValues: { ':entity': 'INCIDENT' } }),
      },
      limit,
    );
    return items.map(toIncident);
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

  /** SET/append expression for {@link IncidentChanges}; `extra` adds more SET clauses with their own values. */
  private changeExpression(changes: IncidentChanges) {
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

  async update(incidentId: string, changes: IncidentChanges): Promise<Incident> {
    let updated: Incident;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: incidentKey(incidentId),
          ...this.changeExpression(changes),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_NEW',
        }),
      );
      updated = toIncident(result.Attributes ?? {});
    } catch (error) {
      if (conditionFailed(error)) throw new IncidentNotFoundError(incidentId);
      throw error;
    }
    if (changes.set?.status && isClosed(changes.set.status)) {
      // Closed by a person or the workflow: later signals must open a new incident rather than join this one.
      await this.conditionalUpdate({
        Key: rosterKey(incidentId),
        UpdateExpression: 'SET #open = :false',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#open': 'open' },
        ExpressionAttributeValues: { ':false': false },
      });
    }
    return updated;
  }

  // --- correlation -----------------------------------------------------------------------------------------------

  async lookupKey(key: string): Promise<KeyState> {
    // Pointer (`OPEN`) and recovery note (`RECOVERED`) share the key's partition: one consistent query reads both.
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pointerKey(key).pk },
      ConsistentRead: true,
    });
    const state: KeyState = {};
    for (const item of items) {
      if (item.sk === 'OPEN') state.open = { incidentId: String(item.incidentId), since: String(item.since ?? '') };
      if (item.sk === 'RECOVERED' && Number(item.expiresAt ?? 0) >= epoch(new Date())) {
        state.recoveredAt = item.recoveredAt as string | undefined;
      }
    }
    return state;
  }

  async dropPointer(key: string, incidentId: string): Promise<void> {
    await this.conditionalDelete(pointerKey(key), incidentId);
  }

  async getServiceWindow(service: string): Promise<ServiceWindow | undefined> {
    const item = await this.getItem(windowKey(service));
    if (!item) return undefined;
    return {
      service,
      incidentId: String(item.incidentId),
      openedAt: String(item.openedAt ?? ''),
      endsAt: String(item.endsAt ?? ''),
    };
  }

  async closeServiceWindow(service: string, incidentId: string): Promise<void> {
    await this.conditionalDelete(windowKey(service), incidentId);
  }

  private memberItem(incidentId: string, signal: SignalMember) {
    return {
      ...signalKey(incidentId, signal.fingerprint),
      signalFingerprint: signal.fingerprint,
      source: signal.source,
      externalId: signal.externalId,
      title: signal.title,
      deliveryId: signal.deliveryId,
      state: signal.state,
      firstSeenAt: signal.firstSeenAt,
      lastSeenAt: signal.lastSeenAt,
    };
  }

  async openIncident(incident: Incident, claims: OpenClaims): Promise<OpenResult> {
    const at = claims.now.toISOString();
    const pointerTtl = epoch(claims.now) + 90 * DAY;
    const pointers = [...new Set(claims.pointers)];
    const hash = member(claims.member.fingerprint);
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...incidentKey(incident.incidentId), entity: 'INCIDENT', ...encodeIncident(incident) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...rosterKey(incident.incidentId),
            open: true,
            members: new Set([hash]),
            ...(claims.member.state === 'firing' ? { firing: new Set([hash]) } : {}),
            openedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: this.tableName, Item: this.memberItem(incident.incidentId, claims.member) } },
      ...pointers.map((key) => ({
        Put: {
          TableName: this.tableName,
          Item: {
            ...pointerKey(key),
            correlationKey: key,
            incidentId: incident.incidentId,
            since: at,
            expiresAt: pointerTtl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
    ];
    if (claims.window) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: {
            ...windowKey(claims.window.service),
            service: claims.window.service,
            incidentId: incident.incidentId,
            openedAt: at,
            endsAt: claims.window.endsAt,
            expiresAt: epoch(new Date(claims.window.endsAt)) + DAY,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR endsAt < :now' + (claims.window.replaces ? ' OR incidentId = :replaces' : ''),
          ExpressionAttributeValues: {
            ':now': at,
            ...(claims.window.replaces ? { ':replaces': claims.window.replaces } : {}),
          },
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { opened: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed' || codes[1] === 'ConditionalCheckFailed') {
        throw new IncidentExistsError(incident.incidentId);
      }
      const pointerFailed = codes.slice(3, 3 + pointers.length).includes('ConditionalCheckFailed');
      if (pointerFailed) return { opened: false, conflict: 'pointer' };
      if (claims.window && codes[3 + pointers.length] === 'ConditionalCheckFailed') {
        return { opened: false, conflict: 'window' };
      }
      return { opened: false, conflict: 'contention' };
    }
  }

  async attachSignal(
    incidentId: string,
    signal: SignalMember,
    options: { pointers: string[]; window?: { service: string; endsAt: string } },
  ): Promise<AttachResult> {
    const hash = member(signal.fingerprint);
    let before: Record<string, unknown>;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rosterKey(incidentId),
          UpdateExpression: 'ADD members :hash, firing :hash',
          ConditionExpression: '#open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':hash': new Set([hash]), ':true': true },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = result.Attributes ?? {};
    } catch (error) {
      if (conditionFailed(error)) return { attached: false };
      throw error;
    }
    const members = (before.members as Set<string> | undefined) ?? new Set<string>();
    const firing = (before.firing as Set<string> | undefined) ?? new Set<string>();
    const newMember = !members.has(hash);

    const since = signal.lastSeenAt;
    // Member, pointers and window are independent items: written side by side, after the roster admitted the signal.
    const [previous] = await Promise.all([
      this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: signalKey(incidentId, signal.fingerprint),
          UpdateExpression:
            'SET signalFingerprint = :fp, #source = :source, externalId = :externalId, title = :title, deliveryId = :deliveryId, #state = :firing, lastSeenAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at)',
          ExpressionAttributeNames: { '#source': 'source', '#state': 'state' },
          ExpressionAttributeValues: {
            ':fp': signal.fingerprint,
            ':source': signal.source,
            ':externalId': signal.externalId,
            ':title': signal.title,
            ':deliveryId': signal.deliveryId,
            ':firing': 'firing',
            ':at': signal.lastSeenAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
      ...[...new Set(options.pointers)].map(async (key) => {
        try {
          await this.doc.send(
            new PutCommand({
              TableName: this.tableName,
              Item: {
                ...pointerKey(key),
                correlationKey: key,
                incidentId,
                since,
                expiresAt: epoch(new Date()) + 90 * DAY,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!conditionFailed(error)) throw error;
        }
      }),
      options.window
        ? this.conditionalUpdate({
            Key: windowKey(options.window.service),
            UpdateExpression: 'SET endsAt = :endsAt, expiresAt = :expiresAt',
            ConditionExpression: 'incidentId = :id AND endsAt < :endsAt',
            ExpressionAttributeValues: {
              ':endsAt': options.window.endsAt,
              ':expiresAt': epoch(new Date(options.window.endsAt)) + DAY,
              ':id': incidentId,
            },
          })
        : undefined,
    ]);
    return {
      attached: true,
      newMember,
      previousDeliveryId: previous.Attributes?.deliveryId as string | undefined,
      roster: {
        open: true,
        members: members.size + (newMember ? 1 : 0),
        firing: firing.size + (firing.has(hash) ? 0 : 1),
        openedAt: String(before.openedAt ?? ''),
      },
    };
  }

  async recoverSignal(incidentId: string, fingerprint: string, at: string): Promise<RecoverResult> {
    const hash = member(fingerprint);
    let before: Record<string, unknown>;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: rosterKey(incidentId),
          UpdateExpression: 'DELETE firing :hash',
          ConditionExpression: '#open = :true AND contains(members, :one)',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':hash': new Set([hash]), ':one': hash, ':true': true },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = result.Attributes ?? {};
    } catch (error) {
      if (conditionFailed(error)) return { recovered: false };
      throw error;
    }
    await this.conditionalUpdate({
      Key: signalKey(incidentId, fingerprint),
      UpdateExpression: 'SET #state = :recovered, lastSeenAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':recovered': 'recovered', ':at': at },
    });
    const members = (before.members as Set<string> | undefined) ?? new Set<string>();
    const firing = (before.firing as Set<string> | undefined) ?? new Set<string>();
    const wasFiring = firing.has(hash);
    return {
      recovered: true,
      wasFiring,
      roster: {
        open: true,
        members: members.size,
        firing: firing.size - (wasFiring ? 1 : 0),
        openedAt: String(before.openedAt ?? ''),
      },
    };
  }

  async closeIfRecovered(incidentId: string, entries: TimelineEntry[]): Promise<boolean> {
    const change = this.changeExpression({ set: { status: 'resolved' }, append: entries });
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        await this.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: rosterKey(incidentId),
                  UpdateExpression: 'SET #open = :false',
                  ConditionExpression: '#open = :true AND attribute_not_exists(firing)',
                  ExpressionAttributeNames: { '#open': 'open' },
                  ExpressionAttributeValues: { ':false': false, ':true': true },
                },
              },
              {
                Update: {
                  TableName: this.tableName,
                  Key: incidentKey(incidentId),
                  ...change,
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = cancellationCodes(error);
        if (codes.includes('ConditionalCheckFailed')) return false;
        // A concurrent write on the roster (a signal joining or recovering): look again shortly.
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
      }
    }
    return false;
  }

  async raisePriority(incidentId: string, priority: Priority, entry: TimelineEntry): Promise<boolean> {
    const change = this.changeExpression({ set: { priority }, append: [entry] });
    return this.conditionalUpdate({
      Key: incidentKey(incidentId),
      ...change,
      ConditionExpression: 'attribute_exists(pk) AND #f0 > :f0',
    });
  }

  async noteRecovery(fingerprint: string, at: string): Promise<void> {
    await this.conditionalUpdate({
      Key: recoveryKey(fingerprint),
      UpdateExpression: 'SET recoveredAt = :at, expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(recoveredAt) OR recoveredAt < :at',
      ExpressionAttributeValues: { ':at': at, ':expiresAt': epoch(new Date()) + DAY },
    });
  }

  async getRoster(incidentId: string): Promise<CorrelationRoster | undefined> {
    return toRoster(await this.getItem(rosterKey(incidentId)));
  }

  async listSignals(incidentId: string): Promise<SignalMember[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}`, ':prefix': 'SIGNAL#' },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      fingerprint: String(item.signalFingerprint),
      source: item.source as SignalMember['source'],
      externalId: String(item.externalId),
      title: String(item.title),
      deliveryId: String(item.deliveryId),
      state: item.state === 'recovered' ? 'recovered' : 'firing',
      firstSeenAt: String(item.firstSeenAt),
      lastSeenAt: String(item.lastSeenAt),
    }));
  }

  // --- failed deliveries -----------------------------------------------------------------------------------------

  async recordFailedDelivery(record: Omit<FailedDelivery, 'attempts'>): Promise<void> {
    const { source, deliveryKey: key, ...rest } = record;
    const fields = Object.entries({ ...rest, deliveryKey: key, source });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: failedKey(source, key),
        UpdateExpression: `SET ${fields.map((_, i) => `#k${i} = :v${i}`).join(', ')} ADD attempts :one`,
        ExpressionAttributeNames: Object.fromEntries(fields.map(([name], i) => [`#k${i}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])),
          ':one': 1,
        },
      }),
    );
  }

  async listFailedDeliveries(options: { source?: Source; limit?: number } = {}): Promise<FailedDelivery[]> {
    const limit = options.limit ?? 100;
    const sources = options.source ? [options.source] : Source.options;
    const found: FailedDelivery[] = [];
    for (const source of sources) {
      if (found.length >= limit) break;
      const items = await this.queryAll(
        {
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `FAILED#${source}` },
          ConsistentRead: true,
        },
        limit - found.length,
      );
      for (const item of items) {
        const { pk: _pk, sk: _sk, ...record } = item;
        found.push(record as unknown as FailedDelivery);
      }
    }
    return found;
  }

  async clearFailedDelivery(source: Source, key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: failedKey(source, key) }));
  }
}
