import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_AUDIT_TABLE } from '../../../lambdas/adapters/local/local-governance';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../local/dynamodb-local';
import { LOCAL_ACCOUNT, LOCAL_REGION, localFunctionArn } from '../../../local/functions';
import { ensureAuditTable, ensureIncidentTable } from '../../../local/incident-table';
import { provideRuntimeModules } from '../../support/lambda-runtime-modules';
import { freePort } from '../../support/local-runtime';
import { type AwsStandIns, startAwsStandIns } from './aws-stand-ins';
import { lambdaEnvironment, linkLayerModules } from './bundled-functions';
import { bundledStage, type SynthesizedFunction } from './synth-bundled-stage';

export const INCIDENT_TABLE = 'lumos-incidents';
export const STATE_MACHINE = 'lumos-incident';
export const STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE}`;

/** Options of {@link startBundledRuntime}. */
export interface BundledRuntimeOptions {
  /** Scratch folder for DynamoDB Local's data. */
  readonly home: string;
  /** @default 'dev' */
  readonly stage?: string;
  /** The webhook secret the stand-in Secrets Manager holds for `servicenow`. */
  readonly webhookSecret: string;
  /**
   * `local`: DynamoDB Local with the incident and audit tables. `stand-in`: the HTTP stand-in answers DynamoDB as if
   * every table were empty (no Java process; enough for a first invocation). @default 'local'
   */
  readonly dynamodb?: 'local' | 'stand-in';
}

/** What the bundles run against; see {@link startBundledRuntime}. */
export interface BundledRuntime {
  /** Every catalogue function as synthesized (asset folder, template environment, layers). */
  readonly functions: Map<string, SynthesizedFunction>;
  /** DynamoDB Local, unless the stand-in answers DynamoDB. */
  readonly dynamodb?: DynamoDbLocal;
  readonly standIns: AwsStandIns;
  /** Port the local Step Functions endpoint must listen on (`AWS_ENDPOINT_URL_SFN`). */
  readonly sfnPort: number;
  /** The full environment a function's process gets, as Lambda would set it, pointed at the stand-ins. */
  environmentOf(fn: SynthesizedFunction): Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The stage synthesized with bundling (reused while unchanged), DynamoDB Local with the incident and audit tables,
 * and the HTTP stand-ins for the other AWS services; the runtime's AWS SDK and each function's layer packages made
 * resolvable as Lambda resolves them.
 */
export async function startBundledRuntime(options: BundledRuntimeOptions): Promise<BundledRuntime> {
  // Synchronous (a synth when the inputs changed): done first, so it cannot starve DynamoDB Local's start-up checks.
  const stage = bundledStage(options.stage ?? 'dev');
  const [dynamodb, standIns] = await Promise.all([
    options.dynamodb === 'stand-in'
      ? undefined
      : freePort().then((port) =>
          startDynamoDbLocal({ port, dataDir: path.join(options.home, 'dynamodb'), timeoutMs: 120_000 }),
        ),
    startAwsStandIns({
      secrets: {
        'local-webhook-secrets': { servicenow: options.webhookSecret },
        'local-approval-link-secret': { signingKey: 'bundled-runtime-signing-key' },
        // The stack creates the ITSM connections secret empty; until an operator fills it in, writes are skipped.
        'local-itsm-connections': {},
      },
      embeddingDimensions: 1024,
    }),
  ]);
  if (dynamodb) {
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureIncidentTable(client, INCIDENT_TABLE);
    await ensureAuditTable(client, LOCAL_AUDIT_TABLE);
    client.destroy();
  }

  provideRuntimeModules(stage.outdir);
  for (const fn of stage.functions.values()) linkLayerModules(fn);
  const sfnPort = await freePort();
  // Local values of the template's references (Ref, Fn::GetAtt, Fn::Join), by environment variable.
  const references = {
    INCIDENT_TABLE_NAME: INCIDENT_TABLE,
    AUDIT_TABLE_NAME: LOCAL_AUDIT_TABLE,
    STATE_MACHINE_ARN,
    KNOWLEDGE_COLLECTION_ENDPOINT: standIns.openSearchUrl,
    RAW_ARCHIVE_BUCKET: 'local-raw-archive',
    WEBHOOK_SECRETS_ARN: 'local-webhook-secrets',
    APPROVAL_LINK_SECRET_ARN: 'local-approval-link-secret',
    ITSM_SECRETS_ARN: 'local-itsm-connections',
    NOTIFICATIONS_TOPIC_ARN: `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:lumos-notifications`,
    SCHEDULER_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/lumos-scheduler`,
    SCHEDULER_DEAD_LETTER_ARN: `arn:aws:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:lumos-scheduler-dlq`,
    GOVERNANCE_TIMER_FUNCTION_ARN: localFunctionArn('GovernanceTimer'),
    PUBLIC_BASE_URL: 'http://127.0.0.1:9/v1',
    AUDIT_EXPORT_BUCKET: 'local-audit-export',
    KNOWLEDGE_S3_URI: 's3://local-knowledge/articles/',
    KNOWLEDGE_DRAFTS_BUCKET: 'local-knowledge',
    LUMOS_AUTOMATION_ROLE_ARN: `arn:aws:iam::${LOCAL_ACCOUNT}:role/lumos-runbook-automation`,
    SERVICE_MAP_PARAMETER: '/lumos/service-map',
  };
  const service = {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL: standIns.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb?.endpoint ?? standIns.url,
    AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: standIns.bedrockUrl,
  };
  return {
    functions: stage.functions,
    dynamodb,
    standIns,
    sfnPort,
    environmentOf: (fn) => lambdaEnvironment(fn, references, service),
    async stop() {
      await standIns.close();
      await dynamodb?.stop();
    },
  };
}
