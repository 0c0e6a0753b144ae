import { S3AuditExport } from '../../adapters/aws/dynamodb-audit-s3-export';
import type { AuditExport } from '../../ports/audit';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** The write-once copy of the audit trail in the Object Lock bucket `AUDIT_EXPORT_BUCKET`. */
export const auditExport = definePort<AuditExport>(
  'auditExport',
  { access: [['exportAudit', 'readAuditExport']], env: ['AUDIT_EXPORT_BUCKET'] },
  () => new S3AuditExport(env('AUDIT_EXPORT_BUCKET')),
);
