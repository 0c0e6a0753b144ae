import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../adapters/aws/dynamodb-incident-store';
import type { IncidentStore } from '../../ports/incident-store';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Incidents and the intake ledgers in the incident table `INCIDENT_TABLE_NAME` (DynamoDB Local locally). */
export const incidentStore = definePort<IncidentStore>(
  'store',
  { access: ['readWriteIncidents'], env: ['INCIDENT_TABLE_NAME'] },
  () => new DynamoDbIncidentStore(env('INCIDENT_TABLE_NAME'), new DynamoDBClient({})),
);
