import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbAuditTrail } from '../../adapters/aws/dynamodb-audit-trail';
import type { AuditTrail } from '../../ports/audit';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Reads an incident's audit records from `AUDIT_TABLE_NAME`; read access is enough. */
export const auditReader = definePort<Pick<AuditTrail, 'list'>>(
  'audit',
  { access: [['readAudit', 'appendAudit']], env: ['AUDIT_TABLE_NAME'] },
  () => new DynamoDbAuditTrail(env('AUDIT_TABLE_NAME'), new DynamoDBClient({})),
);
