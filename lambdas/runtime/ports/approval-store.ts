import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbApprovalStore } from '../../adapters/aws/dynamodb-approval-store';
import type { ApprovalStore } from '../../ports/approval-store';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Approval requests, kept in the incident table `INCIDENT_TABLE_NAME`. */
export const approvalStore = definePort<ApprovalStore>(
  'approvals',
  { access: ['readWriteIncidents'], env: ['INCIDENT_TABLE_NAME'] },
  () => new DynamoDbApprovalStore(env('INCIDENT_TABLE_NAME'), new DynamoDBClient({})),
);
