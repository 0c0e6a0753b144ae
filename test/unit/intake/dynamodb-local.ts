import { Agent } from 'node:http';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbIncidentStore } from '../../../lambdas/adapters/aws/dynamodb-incident-store';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';
import { incidentTableDefinition } from '../../../local/incident-table';
import { freePort } from '../../support/local-runtime';

/** DynamoDB Local on a free port (in memory), with a fresh incident table per call of {@link table}. */
export class TestDynamoDb {
  private local?: DynamoDbLocal;
  private client?: DynamoDBClient;
  private tables = 0;

  async start(): Promise<void> {
    this.local = await startDynamoDbLocal({ port: await freePort(), timeoutMs: 60_000 });
    this.client = new DynamoDBClient({
      endpoint: this.local.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
      // Storm tests send hundreds of requests at once; the default 50 sockets would queue them behind each other.
      requestHandler: {
        httpAgent: new Agent({ keepAlive: true, maxSockets: 256 }),
        socketAcquisitionWarningTimeout: 120_000,
      },
    });
  }

  /** A store on a new table shaped exactly like the stack's. */
  async store(): Promise<DynamoDbIncidentStore> {
    return (await this.table()).store;
  }

  /** A new table shaped exactly like the stack's: its name, the client, and a store on it. */
  async table(): Promise<{ name: string; client: DynamoDBClient; store: DynamoDbIncidentStore }> {
    if (!this.client) throw new Error('DynamoDB Local is not started');
    const name = `incidents-${process.pid}-${++this.tables}`;
    await this.client.send(new CreateTableCommand(incidentTableDefinition(name)));
    await this.client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
    return { name, client: this.client, store: new DynamoDbIncidentStore(name, this.client) };
  }

  async stop(): Promise<void> {
    this.client?.destroy();
    await this.local?.stop();
  }
}
