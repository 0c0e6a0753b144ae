import type { DynamoDBStreamEvent } from 'aws-lambda';
import { auditRecordFromItem } from '../../adapters/aws/dynamodb-audit-trail';
import { observed } from '../../runtime/observed';
import { auditExport } from '../../runtime/ports/audit-export';
import { logger } from '../../shared/observability';

/** Audit items hold only strings and numbers (`data` is JSON text), so the stream image unpacks directly. */
function flatImage(image: Record<string, { S?: string; N?: string }>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(image).map(([k, v]) => [k, v.S ?? (v.N !== undefined ? Number(v.N) : undefined)]),
  );
}

/**
 * DynamoDB stream consumer of the audit table: copies every new record to the Object Lock bucket. Modifications
 * and removals are never expected (the application cannot make them); when one shows up it is logged as an
 * error, so the tampering alarm fires, and the write-once copy keeps the original.
 */
export const handler = observed<DynamoDBStreamEvent, { batchItemFailures: { itemIdentifier: string }[] }>().handler(
  async (event) => {
    const failures: { itemIdentifier: string }[] = [];
    for (const record of event.Records) {
      if (record.eventName !== 'INSERT') {
        logger.error('audit record changed or removed outside the application', {
          eventName: record.eventName,
          keys: record.dynamodb?.Keys,
        });
        continue;
      }
      try {
        const image = flatImage(record.dynamodb?.NewImage ?? {});
        await auditExport().put(auditRecordFromItem(image));
      } catch (error) {
        logger.error('audit export failed', { error: error as Error });
        failures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      }
    }
    return { batchItemFailures: failures };
  },
);
