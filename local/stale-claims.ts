import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryLedger } from '../lambdas/ports/incident-store';

/**
 * Releases every idempotency claim (intake deliveries, ITSM writes, fulfilment runs) that was still `pending` when
 * this process started. The local runtime is one process: a claim made before it started belongs to an attempt that
 * died with the previous process. Left alone, the claim would hold off redeliveries until its lease ran out, and a
 * redelivery in that time would be answered `duplicate` for a delivery that was never stored. Released, the claim
 * is `failed` and the next attempt takes it over at once (intake then finishes the delivery under the same ids; an
 * ITSM write reconciles with the ticket before it writes). Run it before anything can claim, and before running
 * workflows resume. Returns the released delivery ids.
 */
export async function releaseStaleClaims(options: {
  client: DynamoDBClient;
  tableName: string;
  ledger: Pick<DeliveryLedger, 'releaseDelivery'>;
  /** When this process started: claims made before it are stale. */
  startedAt: Date;
}): Promise<string[]> {
  const doc = DynamoDBDocumentClient.from(options.client);
  const stale: string[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: options.tableName,
        FilterExpression: 'sk = :delivery AND #state = :pending AND claimedAt < :startedAt',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':delivery': 'DELIVERY',
          ':pending': 'pending',
          ':startedAt': options.startedAt.toISOString(),
        },
        ProjectionExpression: 'deliveryId',
        ExclusiveStartKey: cursor,
      }),
    );
    for (const item of page.Items ?? []) if (typeof item.deliveryId === 'string') stale.push(item.deliveryId);
    cursor = page.LastEvaluatedKey;
  } while (cursor);
  for (const deliveryId of stale) {
    await options.ledger.releaseDelivery(deliveryId, 'the local runtime stopped during this attempt');
  }
  return stale;
}
