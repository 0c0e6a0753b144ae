import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Source } from '../../core/incident';
import type { FailedDelivery, FailedDeliveryStore } from '../../ports/incident-store';
import { failedKey, type IncidentTable } from './dynamodb-incident-table';

/** Failed deliveries (`FAILED#<source>`/`<deliveryKey>`) on the incident table. */
export class DynamoDbFailedDeliveryStore implements FailedDeliveryStore {
  constructor(private readonly table: IncidentTable) {}

  async recordFailedDelivery(record: Omit<FailedDelivery, 'attempts'>): Promise<void> {
    const { source, deliveryKey: key, ...rest } = record;
    const fields = Object.entries({ ...rest, deliveryKey: key, source });
    await this.table.doc.send(
      new UpdateCommand({
        TableName: this.table.name,
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
      const items = await this.table.queryAll(
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
    await this.table.doc.send(new DeleteCommand({ TableName: this.table.name, Key: failedKey(source, key) }));
  }
}
