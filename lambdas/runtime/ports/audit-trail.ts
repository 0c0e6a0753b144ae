import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditTrail } from '../../adapters/aws/dynamodb-audit-trail';
import type { AuditTrail } from '../../ports/audit';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** The append-only, hash-chained audit trail in its own table `AUDIT_TABLE_NAME`. */
export const auditTrail = definePort<AuditTrail>(
  'audit',
  { access: ['appendAudit'], env: ['AUDIT_TABLE_NAME'] },
  () => new DynamoDbAuditTrail(env('AUDIT_TABLE_NAME'), new DynamoDBClient({})),
);
