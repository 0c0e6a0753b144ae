import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../adapters/aws/dynamodb-incident-store';
import type { IncidentStore } from '../../ports/incident-store';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** The read side of the incident store, for functions that may only read incidents. */
export type IncidentReader = Pick<IncidentStore, 'get' | 'list' | 'findOpenByFingerprint'>;

/** Reads incidents from the incident table `INCIDENT_TABLE_NAME`; read access is enough. */
export const incidentReader = definePort<IncidentReader>(
  'store',
  { access: [['readIncidents', 'readWriteIncidents']], env: ['INCIDENT_TABLE_NAME'] },
  () => new DynamoDbIncidentStore(env('INCIDENT_TABLE_NAME'), new DynamoDBClient({})),
);
