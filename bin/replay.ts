import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbIncidentStore } from '../lambdas/adapters/aws/dynamodb-incident-store';
import { S3RawArchive } from '../lambdas/adapters/aws/s3-raw-archive';
import { StepFunctionsWorkflow } from '../lambdas/adapters/aws/sfn-workflow';
import { FileRawArchive } from '../lambdas/adapters/local/file-raw-archive';
import { Source } from '../lambdas/core/incident';
import type { IntakeDeps } from '../lambdas/intake/intake-service';
import {
  type ArchivedDelivery,
  type RawReader,
  type ReplayOutcome,
  replayDelivery,
  replayFailedDeliveries,
  routeOf,
} from '../lambdas/intake/replay';
import { systemClock } from '../lambdas/ports/clock';

const USAGE = `Re-drives deliveries Lumos accepted but could not finish, through the same intake core.

  tsx bin/replay.ts failed  [--source <source>] [--limit <n>] [--dry-run]
      every recorded failed delivery (incident table, FAILED#<source>), body read from the raw archive
  tsx bin/replay.ts archive <dir | file | s3://bucket/prefix> [--dry-run]
      archived raw deliveries (one day locally: $LUMOS_HOME/raw/jira/2026/11/20); processed ones answer duplicate
  tsx bin/replay.ts sqs <queue-url> [--max <n>] [--dry-run]
      EventBridge events from a dead-letter queue; each is deleted once it is processed

  --local   target \`npm start\`: DynamoDB and Step Functions on LUMOS_DYNAMODB_PORT/LUMOS_SFN_PORT (8000/8083),
            archive under LUMOS_HOME/raw (.lumos/raw). Otherwise AWS, from INCIDENT_TABLE_NAME, STATE_MACHINE_ARN
            and RAW_ARCHIVE_BUCKET (AWS_ENDPOINT_URL_* and the usual credential chain apply).`;

/** Reads `file://` and `s3://` references (what the raw archives return). */
export class ArchiveReader implements RawReader {
  private s3?: S3Client;

  async read(ref: string): Promise<string> {
    if (ref.startsWith('file://')) return readFile(fileURLToPath(ref), 'utf8');
    const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
    if (s3) {
      this.s3 ??= new S3Client({});
      const object = await this.s3.send(new GetObjectCommand({ Bucket: s3[1], Key: s3[2] }));
      return (await object.Body?.transformToString('utf8')) ?? '';
    }
    throw new Error(`unsupported archive reference ${ref}`);
  }
}

/** Raw deliveries under a folder of the file archive (`<root>/<source>/<yyyy>/<mm>/<dd>/<hash>.json` + `.meta.json`). */
export async function* archivedFiles(path: string): AsyncGenerator<ArchivedDelivery> {
  const absolute = resolve(path);
  const info = await stat(absolute);
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith('.json') && !entry.name.endsWith('.meta.json')) files.push(full);
    }
  };
  if (info.isDirectory()) await walk(absolute);
  else files.push(absolute);
  for (const file of files) {
    const body = await readFile(file, 'utf8');
    const metadata = await readFile(`${file}.meta.json`, 'utf8')
      .then((text) => JSON.parse(text) as Record<string, string>)
      .catch(() => ({}) as Record<string, string>);
    // The source is the folder right under `raw/`, when the metadata does not name it.
    const parts = relative(absolute, file).split(sep);
    const source = metadata.source ?? file.split(`${sep}raw${sep}`)[1]?.split(sep)[0] ?? parts[0] ?? '';
    yield { ref: pathToFileURL(file).href, body, ...routeOf(source, body, metadata) };
  }
}

async function* archivedObjects(uri: string): AsyncGenerator<ArchivedDelivery> {
  const [, bucket, prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri) ?? [];
  if (!bucket) throw new Error(`not an s3:// URI: ${uri}`);
  const s3 = new S3Client({});
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('.json')) continue;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      const body = (await got.Body?.transformToString('utf8')) ?? '';
      const source = got.Metadata?.source ?? object.Key.split('/')[1] ?? '';
      yield { ref: `s3://${bucket}/${object.Key}`, body, ...routeOf(source, body, got.Metadata ?? {}) };
    }
    token = page.NextContinuationToken;
  } while (token);
}

/** The ports replay needs, for AWS or for the local runtime. */
export function replayDeps(local: boolean, env: NodeJS.ProcessEnv = process.env): IntakeDeps {
  const required = (name: string, fallback?: string) => {
    const value = env[name] || fallback;
    if (!value) throw new Error(`${name} is not set (or use --local)`);
    return value;
  };
  if (local) {
    // As `npm start` names and places things (local/runtime.ts, local/functions.ts).
    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const region = env.AWS_REGION ?? 'us-east-1';
    const dynamodb = new DynamoDBClient({
      region,
      credentials,
      endpoint: env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://127.0.0.1:${env.LUMOS_DYNAMODB_PORT || 8000}`,
    });
    const sfn = new SFNClient({
      region,
      credentials,
      endpoint: env.AWS_ENDPOINT_URL_SFN ?? `http://127.0.0.1:${env.LUMOS_SFN_PORT || 8083}`,
    });
    return {
      store: new DynamoDbIncidentStore(env.INCIDENT_TABLE_NAME || 'lumos-incidents', dynamodb),
      workflow: new StepFunctionsWorkflow(
        env.STATE_MACHINE_ARN || `arn:aws:states:${region}:000000000000:stateMachine:lumos-incident`,
        sfn,
      ),
      archive: new FileRawArchive(join(resolve(env.LUMOS_HOME ?? '.lumos'), 'raw')),
      clock: systemClock,
    };
  }
  return {
    store: new DynamoDbIncidentStore(required('INCIDENT_TABLE_NAME')),
    workflow: new StepFunctionsWorkflow(required('STATE_MACHINE_ARN')),
    archive: new S3RawArchive(required('RAW_ARCHIVE_BUCKET')),
    clock: systemClock,
  };
}

function describe(outcome: ReplayOutcome): string {
  if (outcome.error) return `FAILED ${outcome.error.statusCode ?? ''} ${outcome.error.message}`.replace('  ', ' ');
  if (!outcome.answer) return 'would replay';
  const { status, incidentId, reason } = outcome.answer;
  return `${status}${incidentId ? ` ${incidentId}` : ''}${reason ? ` (${reason})` : ''}`;
}

/** Drains an SQS dead-letter queue of EventBridge events (or Lambda on-failure records wrapping them). */
async function replayQueue(deps: IntakeDeps, queueUrl: string, max: number, dryRun: boolean): Promise<ReplayOutcome[]> {
  const sqs = new SQSClient({});
  const outcomes: ReplayOutcome[] = [];
  while (outcomes.length < max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) break;
    for (const message of Messages) {
      let payload: unknown;
      try {
        const parsed = JSON.parse(message.Body ?? '') as { requestPayload?: unknown };
        payload = parsed && typeof parsed === 'object' && 'requestPayload' in parsed ? parsed.requestPayload : parsed;
      } catch {
        outcomes.push({ ref: message.MessageId ?? '?', route: '?', error: { message: 'message body is not JSON' } });
        continue;
      }
      const body = JSON.stringify(payload);
      const route = String((payload as { source?: unknown })?.source ?? '');
      const delivery: ArchivedDelivery = { ref: `sqs:${message.MessageId}`, channel: 'event', route, body };
      const outcome = dryRun ? { ref: delivery.ref, route } : await replayDelivery(deps, delivery);
      outcomes.push(outcome);
      if (!dryRun && outcome.answer) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  }
  return outcomes;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      source: { type: 'string' },
      limit: { type: 'string' },
      max: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, target] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const dryRun = values['dry-run'] ?? false;
  const deps = replayDeps(values.local ?? false);
  let outcomes: ReplayOutcome[] = [];
  if (command === 'failed') {
    const source = values.source ? Source.parse(values.source) : undefined;
    outcomes = await replayFailedDeliveries(deps, new ArchiveReader(), {
      source,
      limit: values.limit ? Number(values.limit) : undefined,
      dryRun,
    });
  } else if (command === 'archive' && target) {
    const deliveries = target.startsWith('s3://') ? archivedObjects(target) : archivedFiles(target);
    for await (const delivery of deliveries) {
      const outcome = dryRun ? { ref: delivery.ref, route: delivery.route } : await replayDelivery(deps, delivery);
      console.log(`${outcome.ref} [${delivery.channel} ${delivery.route}] -> ${describe(outcome)}`);
      outcomes.push(outcome);
    }
  } else if (command === 'sqs' && target) {
    outcomes = await replayQueue(deps, target, values.max ? Number(values.max) : 1000, dryRun);
  } else {
    console.error(USAGE);
    return 2;
  }
  if (command !== 'archive')
    for (const outcome of outcomes) console.log(`${outcome.ref} [${outcome.route}] -> ${describe(outcome)}`);
  const failed = outcomes.filter((o) => o.error).length;
  const counts = new Map<string, number>();
  for (const o of outcomes)
    counts.set(
      o.answer?.status ?? (o.error ? 'failed' : 'listed'),
      (counts.get(o.answer?.status ?? (o.error ? 'failed' : 'listed')) ?? 0) + 1,
    );
  console.log(
    `${outcomes.length} deliveries: ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ') || 'nothing to replay'}`,
  );
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
