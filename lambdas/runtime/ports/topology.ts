import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbTopology } from '../../adapters/aws/dynamodb-topology';
import type { TopologySource } from '../../ports/topology';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** The service graph and change history, kept in the incident table (`INCIDENT_TABLE_NAME`). */
export const topology = definePort<TopologySource>(
  'topology',
  { access: [['readIncidents', 'readWriteIncidents']], env: ['INCIDENT_TABLE_NAME'] },
  () => new DynamoDbTopology({ tableName: env('INCIDENT_TABLE_NAME'), client: new DynamoDBClient({}) }),
);
