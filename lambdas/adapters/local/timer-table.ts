import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { Scheduler, TimerPayload, TimerRequest } from '../../ports/scheduler';

interface TimerItem {
  timerId: string;
  dueAt: string;
  payload: string;
  status: 'scheduled' | 'firing' | 'failed';
  version: number;
  attempts: number;
  lastError?: string;
}

/** Fires a timer: locally, invokes the GovernanceTimer handler in process. */
export type FireTimer = (payload: TimerPayload & { timerId: string }) => Promise<void>;

const MAX_ATTEMPTS = 5;

/**
 * The local stand-in for EventBridge Scheduler: timers are items in a DynamoDB Local table (persisted under
 * LUMOS_HOME, so they survive a restart) and a poller fires the due ones. Each firing is claimed with a
 * conditional write, so a timer fires once even with two pollers; a failed firing retries with backoff and is
 * kept as `failed` after five attempts.
 */
export class DynamoDbTimerTable implements Scheduler {
  private readonly doc: DynamoDBDocumentClient;
  private poller?: NodeJS.Timeout;
  private polling = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Creates the table if it does not exist. */
  async ensureTable(): Promise<void> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.tableName }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await this.client.send(
      new CreateTableCommand({
        TableName: this.tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'timerId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'timerId', KeyType: 'HASH' }],
      }),
    );
  }

  async schedule(timer: TimerRequest): Promise<void> {
    const item: TimerItem = {
      timerId: timer.timerId,
      dueAt: timer.dueAt.toISOString(),
      payload: JSON.stringify(timer.payload),
      status: 'scheduled',
      version: Date.now() * 1000 + Math.floor(Math.random() * 1000),
      attempts: 0,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async cancel(timerId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { timerId } }));
  }

  /** Every timer (tests and the console). */
  async list(): Promise<TimerItem[]> {
    const items: TimerItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
      );
      items.push(...((page.Items ?? []) as TimerItem[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * Starts firing due timers every `intervalMs`. Timers caught mid-firing by a previous stop are due again:
   * at-least-once, like the real scheduler.
   */
  async start(fire: FireTimer, intervalMs = 500): Promise<void> {
    for (const item of await this.list()) {
      if (item.status === 'firing') {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { timerId: item.timerId },
            UpdateExpression: 'SET #status = :scheduled',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':scheduled': 'scheduled' },
          }),
        );
      }
    }
    const tick = async () => {
      if (this.polling) return;
      this.polling = true;
      try {
        await this.fireDue(fire);
      } catch {
        // DynamoDB Local briefly unavailable (shutting down); the next tick tries again.
      } finally {
        this.polling = false;
      }
    };
    this.poller = setInterval(() => void tick(), intervalMs);
    this.poller.unref();
    await tick();
  }

  /** Stops polling and waits for firings in progress. */
  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  private async fireDue(fire: FireTimer): Promise<void> {
    const now = this.clock.now().toISOString();
    const due = (await this.list()).filter((t) => t.status === 'scheduled' && t.dueAt <= now);
    for (const timer of due.sort((a, b) => a.dueAt.localeCompare(b.dueAt))) {
      if (!(await this.claim(timer))) continue;
      const firing = this.fireOne(timer, fire);
      this.inFlight.add(firing);
      void firing.finally(() => this.inFlight.delete(firing));
    }
  }

  private async claim(timer: TimerItem): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { timerId: timer.timerId },
          UpdateExpression: 'SET #status = :firing, attempts = attempts + :one',
          ConditionExpression: '#status = :scheduled AND version = :version',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':firing': 'firing',
            ':scheduled': 'scheduled',
            ':version': timer.version,
            ':one': 1,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async fireOne(timer: TimerItem, fire: FireTimer): Promise<void> {
    try {
      await fire({ timerId: timer.timerId, ...(JSON.parse(timer.payload) as TimerPayload) });
      // Delete only the version that fired: the handler may have scheduled the same id again for later.
      await this.doc
        .send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { timerId: timer.timerId },
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': timer.version },
          }),
        )
        .catch((error: unknown) => {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        });
    } catch (error) {
      const attempts = timer.attempts + 1;
      const failed = attempts >= MAX_ATTEMPTS;
      await this.doc
        .send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { timerId: timer.timerId },
            UpdateExpression: 'SET #status = :status, dueAt = :due, lastError = :error',
            ConditionExpression: 'version = :version',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': failed ? 'failed' : 'scheduled',
              ':due': new Date(this.clock.now().getTime() + 1000 * 2 ** attempts).toISOString(),
              ':error': (error as Error).message ?? String(error),
              ':version': timer.version,
            },
          }),
        )
        .catch(() => undefined);
    }
  }
}
