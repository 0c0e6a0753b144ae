/** Registers the topology source: the service graph and change history in the incident table (`INCIDENT_TABLE_NAME`). */
import { DynamoDbTopology } from '../../adapters/aws/dynamodb-topology';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  topology: () => new DynamoDbTopology({ tableName: env('INCIDENT_TABLE_NAME') }),
});
