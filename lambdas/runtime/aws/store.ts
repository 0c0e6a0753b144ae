/**
 * Registers the incident store and the approval store (both in the incident table, `INCIDENT_TABLE_NAME`).
 * Locally both keep these DynamoDB adapters; only the endpoint differs.
 */
import { DynamoDbApprovalStore } from '../../adapters/aws/dynamodb-approval-store';
import { DynamoDbIncidentStore } from '../../adapters/aws/dynamodb-incident-store';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  store: () => new DynamoDbIncidentStore(env('INCIDENT_TABLE_NAME')),
  approvals: () => new DynamoDbApprovalStore(env('INCIDENT_TABLE_NAME')),
});
