import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';
import { incidentTableDefinition } from '../../../local/incident-table';
import { hasBuiltinSqlite, useWriteAheadLog } from '../../../local/sqlite-wal';
import { freePort } from '../../support/local-runtime';

const hasSqlite = hasBuiltinSqlite();

const docClient = (endpoint: string) =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );

describe('DynamoDB Local in write-ahead-log mode', () => {
  let dataDir: string;
  let db: DynamoDbLocal | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lumos-wal-'));
  });
  afterEach(async () => {
    await db?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('does nothing on a folder without database files', () => {
    expect(useWriteAheadLog(dataDir)).toEqual([]);
    expect(useWriteAheadLog(join(dataDir, 'missing'))).toEqual([]);
  });

  (hasSqlite ? it : it.skip)('keeps every answered write when DynamoDB Local is killed', async () => {
    const port = await freePort();
    db = await startDynamoDbLocal({ port, dataDir, timeoutMs: 60_000 });
    const doc = docClient(db.endpoint);
    await doc.send(new CreateTableCommand(incidentTableDefinition('wal-test')));
    expect(db.useWriteAheadLog()).toEqual(['local_us-east-1.db']);

    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        doc.send(new PutCommand({ TableName: 'wal-test', Item: { pk: `K#${i}`, sk: 'V', n: i } })),
      ),
    );
    // A crash: no chance to checkpoint the log into the database file.
    // The pid file holds the pid, then when that process started.
    const pid = Number(readFileSync(join(dataDir, 'dynamodb-local.pid'), 'utf8').trim().split(/\s+/)[0]);
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    doc.destroy();

    db = await startDynamoDbLocal({ port, dataDir, timeoutMs: 60_000 });
    const again = docClient(db.endpoint);
    const items = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        again.send(new GetCommand({ TableName: 'wal-test', Key: { pk: `K#${i}`, sk: 'V' }, ConsistentRead: true })),
      ),
    );
    expect(items.map((r) => r.Item?.n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // The mode is stored in the file: the restarted process writes through the log too.
    expect(useWriteAheadLog(dataDir)).toEqual(['local_us-east-1.db']);
    again.destroy();
  });
});
