/** Registers the audit trail: its own DynamoDB table `AUDIT_TABLE_NAME`. */
import { DynamoDbAuditTrail } from '../../adapters/aws/dynamodb-audit-trail';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  audit: () => new DynamoDbAuditTrail(env('AUDIT_TABLE_NAME')),
});
