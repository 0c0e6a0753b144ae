import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ClaimOptions, DeliveryClaim, DeliveryLedger, DeliveryRecord } from '../../ports/incident-store';
import { conditionFailed, DAY, deliveryKey, epoch, type IncidentTable, toDelivery } from './dynamodb-incident-table';

/** Idempotency claims (`DELIVERY#<id>`/`DELIVERY`, with TTL) on the incident table. */
export class DynamoDbDeliveryLedger implements DeliveryLedger {
  constructor(private readonly table: IncidentTable) {}

  async claimDelivery(deliveryId: string, options: ClaimOptions): Promise<DeliveryClaim> {
    const key = deliveryKey(deliveryId);
    const now = options.now.toISOString();
    try {
      await this.table.doc.send(
        new PutCommand({
          TableName: this.table.name,
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
    const existing = await this.table.getItem(key);
    if (!existing) return this.claimDelivery(deliveryId, options);
    const record = toDelivery(existing);
    const leaseOver = Date.parse(record.claimedAt) + options.leaseSeconds * 1000 < options.now.getTime();
    if (record.state === 'failed' || (record.state === 'pending' && leaseOver)) {
      try {
        const taken = await this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.name,
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
        const now2 = await this.table.getItem(key);
        return { claimed: false, record: now2 ? toDelivery(now2) : record };
      }
    }
    return { claimed: false, record };
  }

  async completeDelivery(deliveryId: string, outcome: { incidentId: string | null; status: string }): Promise<void> {
    await this.table.conditionalUpdate({
      Key: deliveryKey(deliveryId),
      UpdateExpression: 'SET #state = :done, incidentId = :incidentId, #status = :status REMOVE #error',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state', '#status': 'status', '#error': 'error' },
      ExpressionAttributeValues: { ':done': 'done', ':incidentId': outcome.incidentId, ':status': outcome.status },
    });
  }

  async releaseDelivery(deliveryId: string, error: string): Promise<void> {
    await this.table.conditionalUpdate({
      Key: deliveryKey(deliveryId),
      UpdateExpression: 'SET #state = :failed, #error = :error',
      ConditionExpression: '#state = :pending',
      ExpressionAttributeNames: { '#state': 'state', '#error': 'error' },
      ExpressionAttributeValues: { ':failed': 'failed', ':pending': 'pending', ':error': error.slice(0, 2000) },
    });
  }

  async getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    const item = await this.table.getItem(deliveryKey(deliveryId));
    return item ? toDelivery(item) : undefined;
  }
}
