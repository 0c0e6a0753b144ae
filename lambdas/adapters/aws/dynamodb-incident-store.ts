import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentStatus, Priority, Source, TimelineEntry } from '../../core/incident';
import {
  type AttachResult,
  type ClaimOptions,
  type CorrelationRoster,
  type DeliveryClaim,
  type DeliveryRecord,
  type FailedDelivery,
  INCIDENT_HEAD_FIELDS,
  type IncidentChanges,
  IncidentExistsError,
  type IncidentHead,
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
import { DynamoDbCorrelationStore } from './dynamodb-correlation-store';
import { DynamoDbDeliveryLedger } from './dynamodb-delivery-ledger';
import { DynamoDbFailedDeliveryStore } from './dynamodb-failed-delivery-store';
import {
  CLOSED,
  changeExpression,
  conditionFailed,
  IncidentTable,
  incidentKey,
  rosterKey,
  toIncident,
} from './dynamodb-incident-table';
import { encodeIncident } from './incident-item-codec';

/**
 * Incident store on one DynamoDB table (single-table; item layout in {@link IncidentTable}). Incidents are kept
 * here; the delivery ledger, correlation state and failed deliveries each have their own adapter on the same
 * table, and this class hands their methods to them.
 * Works unchanged against DynamoDB Local: only the client's endpoint differs.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  private readonly table: IncidentTable;
  private readonly deliveries: DynamoDbDeliveryLedger;
  private readonly correlation: DynamoDbCorrelationStore;
  private readonly failures: DynamoDbFailedDeliveryStore;

  constructor(tableName: string, client?: DynamoDBClient) {
    this.table = new IncidentTable(tableName, client);
    this.deliveries = new DynamoDbDeliveryLedger(this.table);
    this.correlation = new DynamoDbCorrelationStore(this.table);
    this.failures = new DynamoDbFailedDeliveryStore(this.table);
  }

  // --- incidents -------------------------------------------------------------------------------------------------

  async create(incident: Incident): Promise<void> {
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
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
    const item = await this.table.getItem(incidentKey(incidentId));
    return item ? toIncident(item) : undefined;
  }

  async list(options: { status?: IncidentStatus; limit?: number } = {}): Promise<Incident[]> {
    const limit = options.limit ?? 50;
    const items = await this.table.queryAll(
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

  async listHeads(options: { limit?: number } = {}): Promise<IncidentHead[]> {
    const limit = options.limit ?? 50;
    const names = Object.fromEntries(INCIDENT_HEAD_FIELDS.map((field, i) => [`#h${i}`, field]));
    const items = await this.table.queryAll(
      {
        IndexName: 'byCreated',
        KeyConditionExpression: '#entity = :entity',
        ScanIndexForward: false,
        Limit: limit,
        ProjectionExpression: Object.keys(names).join(', '),
        ExpressionAttributeNames: { ...names, '#entity': 'entity' },
        ExpressionAttributeValues: { ':entity': 'INCIDENT' },
      },
      limit,
    );
    return items.map((item) => toIncident(item) as IncidentHead);
  }

  async findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    const result = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
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
    let updated: Incident;
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: incidentKey(incidentId),
          ...changeExpression(changes),
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
      await this.table.conditionalUpdate({
        Key: rosterKey(incidentId),
        UpdateExpression: 'SET #open = :false',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#open': 'open' },
        ExpressionAttributeValues: { ':false': false },
      });
    }
    return updated;
  }

  // --- delivery ledger -------------------------------------------------------------------------------------------

  claimDelivery(deliveryId: string, options: ClaimOptions): Promise<DeliveryClaim> {
    return this.deliveries.claimDelivery(deliveryId, options);
  }

  completeDelivery(deliveryId: string, outcome: { incidentId: string | null; status: string }): Promise<void> {
    return this.deliveries.completeDelivery(deliveryId, outcome);
  }

  releaseDelivery(deliveryId: string, error: string): Promise<void> {
    return this.deliveries.releaseDelivery(deliveryId, error);
  }

  getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    return this.deliveries.getDelivery(deliveryId);
  }

  // --- correlation -----------------------------------------------------------------------------------------------

  lookupKey(key: string): Promise<KeyState> {
    return this.correlation.lookupKey(key);
  }

  dropPointer(key: string, incidentId: string): Promise<void> {
    return this.correlation.dropPointer(key, incidentId);
  }

  getServiceWindow(service: string): Promise<ServiceWindow | undefined> {
    return this.correlation.getServiceWindow(service);
  }

  closeServiceWindow(service: string, incidentId: string): Promise<void> {
    return this.correlation.closeServiceWindow(service, incidentId);
  }

  openIncident(incident: Incident, claims: OpenClaims): Promise<OpenResult> {
    return this.correlation.openIncident(incident, claims);
  }

  attachSignal(
    incidentId: string,
    signal: SignalMember,
    options: { pointers: string[]; window?: { service: string; endsAt: string } },
  ): Promise<AttachResult> {
    return this.correlation.attachSignal(incidentId, signal, options);
  }

  recoverSignal(incidentId: string, fingerprint: string, at: string): Promise<RecoverResult> {
    return this.correlation.recoverSignal(incidentId, fingerprint, at);
  }

  closeIfRecovered(incidentId: string, entries: TimelineEntry[]): Promise<boolean> {
    return this.correlation.closeIfRecovered(incidentId, entries);
  }

  raisePriority(incidentId: string, priority: Priority, entry: TimelineEntry): Promise<boolean> {
    return this.correlation.raisePriority(incidentId, priority, entry);
  }

  noteRecovery(fingerprint: string, at: string): Promise<void> {
    return this.correlation.noteRecovery(fingerprint, at);
  }

  getRoster(incidentId: string): Promise<CorrelationRoster | undefined> {
    return this.correlation.getRoster(incidentId);
  }

  listSignals(incidentId: string): Promise<SignalMember[]> {
    return this.correlation.listSignals(incidentId);
  }

  // --- failed deliveries -----------------------------------------------------------------------------------------

  recordFailedDelivery(record: Omit<FailedDelivery, 'attempts'>): Promise<void> {
    return this.failures.recordFailedDelivery(record);
  }

  listFailedDeliveries(options?: { source?: Source; limit?: number }): Promise<FailedDelivery[]> {
    return this.failures.listFailedDeliveries(options);
  }

  clearFailedDelivery(source: Source, key: string): Promise<void> {
    return this.failures.clearFailedDelivery(source, key);
  }
}
