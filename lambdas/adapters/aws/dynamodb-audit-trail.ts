import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { chainRecord } from '../../governance/audit/audit-chain';
import type { AuditEntry, AuditRecord, AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';

/** Conditional-put attempts before giving up; with the backoff below that tolerates dozens of racing writers. */
const MAX_ATTEMPTS = 40;
const backoff = (attempt: number) => Math.random() * Math.min(500, 5 * 2 ** Math.min(attempt, 7));

/** Stored shape: `data` as JSON text, so the hashed content comes back byte for byte. */
function toItem(record: AuditRecord): Record<string, unknown> {
  const { data, ...rest } = record;
  return { ...rest, data: JSON.stringify(data) };
}

function fromItem(item: Record<string, unknown>): AuditRecord {
  const data =
    typeof item.data === 'string'
      ? (JSON.parse(item.data) as Record<string, unknown>)
      : (item.data as Record<string, unknown>);
  return {
    incidentId: String(item.incidentId),
    seq: Number(item.seq),
    at: String(item.at),
    type: item.type as AuditRecord['type'],
    actor: String(item.actor),
    summary: String(item.summary),
    data: data ?? {},
    prevHash: String(item.prevHash),
    hash: String(item.hash),
  };
}

/** How many incidents' chain heads a trail remembers (see {@link AuditTrailOptions.rememberHeads}). */
const REMEMBERED_HEADS = 1000;

export interface AuditTrailOptions {
  /**
   * Link each append to the record this trail itself wrote last for the incident, instead of reading the head
   * first. Right where one process writes nearly every record of an incident (the local runtime): one read fewer
   * per append. Where many writers take turns (Lambda functions in AWS), the remembered head is usually stale and
   * a stale head costs a failed conditional put, so it is off by default. Correct either way: a put on a stale
   * head fails its condition, and the retry reads the head.
   */
  rememberHeads?: boolean;
}

/**
 * The audit trail in its own DynamoDB table (partition `incidentId`, sort `seq`). Appends are conditional puts of
 * seq = head + 1, so two writers can never both extend the same head: the loser re-reads the head and links to
 * it, and the chain stays linear. The application's role may only Put and read this table; a stream exports every
 * record to S3 under Object Lock.
 */
export class DynamoDbAuditTrail implements AuditTrail {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
    private readonly clock: Clock = systemClock,
    options: AuditTrailOptions = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.heads = options.rememberHeads ? new Map() : undefined;
  }

  /** The last record this trail wrote per incident, oldest first (when remembering heads). */
  private readonly heads: Map<string, Pick<AuditRecord, 'seq' | 'hash'>> | undefined;

  /** Appends queued per incident in this process, so writers in one process never race each other. */
  private readonly queues = new Map<string, Promise<unknown>>();

  append(incidentId: string, entry: AuditEntry): Promise<AuditRecord> {
    const previous = this.queues.get(incidentId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.appendNow(incidentId, entry));
    this.queues.set(incidentId, next);
    void next
      .finally(() => {
        if (this.queues.get(incidentId) === next) this.queues.delete(incidentId);
      })
      .catch(() => undefined);
    return next;
  }

  private async appendNow(incidentId: string, entry: AuditEntry): Promise<AuditRecord> {
    for (let attempt = 1; ; attempt++) {
      const remembered = attempt === 1 ? this.heads?.get(incidentId) : undefined;
      const head = remembered ?? (await this.head(incidentId));
      const record = chainRecord(incidentId, entry, head, this.clock.now());
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: toItem(record),
            ConditionExpression: 'attribute_not_exists(incidentId)',
          }),
        );
        this.remember(incidentId, record);
        return record;
      } catch (error) {
        this.heads?.delete(incidentId);
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_ATTEMPTS) throw error;
        // The remembered head was stale: read the real one at once.
        if (remembered) continue;
        // Another process extended the chain first: re-read the head and link to it.
        await new Promise((r) => setTimeout(r, backoff(attempt)));
      }
    }
  }

  private remember(incidentId: string, record: AuditRecord): void {
    if (!this.heads) return;
    this.heads.delete(incidentId);
    this.heads.set(incidentId, { seq: record.seq, hash: record.hash });
    if (this.heads.size > REMEMBERED_HEADS) {
      const oldest = this.heads.keys().next().value;
      if (oldest !== undefined) this.heads.delete(oldest);
    }
  }

  async list(incidentId: string): Promise<AuditRecord[]> {
    const records: AuditRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'incidentId = :id',
          ExpressionAttributeValues: { ':id': incidentId },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      records.push(...(page.Items ?? []).map(fromItem));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return records;
  }

  private async head(incidentId: string): Promise<AuditRecord | undefined> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'incidentId = :id',
        ExpressionAttributeValues: { ':id': incidentId },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = result.Items?.[0];
    return item ? fromItem(item) : undefined;
  }
}

/** Reads a record from its DynamoDB stream image (the exporter's input). */
export { fromItem as auditRecordFromItem };
