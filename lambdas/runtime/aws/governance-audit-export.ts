/** Registers the audit export: the Object Lock bucket `AUDIT_EXPORT_BUCKET`. */
import { S3AuditExport } from '../../adapters/aws/dynamodb-audit-s3-export';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  auditExport: () => new S3AuditExport(env('AUDIT_EXPORT_BUCKET')),
});
