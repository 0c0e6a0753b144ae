import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { consoleRoutes } from '../console/local-routes';
import { EnvSecrets } from '../lambdas/adapters/local/env-secrets';
import { FileRawArchive } from '../lambdas/adapters/local/file-raw-archive';
import { createLocalGovernance, type LocalGovernance } from '../lambdas/adapters/local/local-governance';
import { OutboxNotifier } from '../lambdas/adapters/local/outbox-notifier';
import { parseEventBody } from '../lambdas/intake/json-body';
import { LocalItsm, recordedIn } from '../lambdas/itsm/local-itsm';
import { LumosError } from '../lambdas/shared/errors';
import { retryAfter } from '../lambdas/shared/http';
import { type LocalConfig, loadLocalConfig } from './config';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalFunction, loadFunctions, localSubstitutions } from './functions';
import { createLocalHttpServer, jsonResult, listen, type Route } from './http-server';
import { ensureAuditTable, ensureIncidentTable } from './incident-table';
import { startLocalKnowledge } from './knowledge';
import { releaseStaleClaims } from './stale-claims';
import { type LocalStepFunctions, startLocalStepFunctions } from './stepfunctions-runtime';

export const STATE_MACHINE_NAME = 'lumos-incident';
export const TABLE_NAME = 'lumos-incidents';

export interface RunningLumos {
  config: LocalConfig;
  urls: { api: string; stepFunctions: string; dynamodb: string };
  stateMachineArn: string;
  /** Start-up time to healthy, in milliseconds. */
  startupMs: number;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

/**
 * Sets the environment exactly as the stack sets it for Lambda, plus endpoint overrides that point the ordinary
 * AWS SDK clients at the local services. Handlers cannot tell the difference.
 */
function configureEnvironment(
  config: LocalConfig,
  dynamodbEndpoint: string,
  stateMachineArn: string,
  apiUrl: string,
): void {
  Object.assign(process.env, {
    AWS_REGION: process.env.AWS_REGION ?? LOCAL_REGION,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
    AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${config.sfnPort}`,
    INCIDENT_TABLE_NAME: TABLE_NAME,
    STATE_MACHINE_ARN: stateMachineArn,
    PUBLIC_BASE_URL: apiUrl,
    POWERTOOLS_SERVICE_NAME: 'lumos',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_DEV: process.env.POWERTOOLS_DEV ?? 'true',
  });
}

/** Routes of the local API: the deployed API Gateway routes, plus local stand-ins (health, events, notifications). */
function buildRoutes(functions: Map<string, LocalFunction>, outbox: OutboxNotifier, isReady: () => boolean): Route[] {
  const lambda = (id: string, resource: string) => {
    const fn = functions.get(id);
    if (!fn) throw new Error(`function ${id} is not in the catalogue`);
    return { kind: 'lambda' as const, resource, invoke: fn.invoke };
  };
  const alarmIntake = functions.get('AlarmIntake')!;
  return [
    {
      method: 'GET',
      path: '/health',
      target: {
        kind: 'local',
        handle: async () => (isReady() ? jsonResult(200, { status: 'ok' }) : jsonResult(503, { status: 'starting' })),
      },
    },
    // Every API route of the catalogue, served by its handler exactly as API Gateway would invoke it.
    ...[...functions.values()].flatMap(({ spec }) =>
      (spec.routes ?? []).map((route) => ({
        method: route.method,
        path: route.path,
        target: lambda(spec.id, route.path),
      })),
    ),
    {
      method: 'POST',
      path: '/events',
      loopbackOnly: true,
      target: {
        kind: 'local',
        // EventBridge hands the rule target a parsed event; errors it would retry are answered here by status.
        // Bad bodies get the same 400/413 answers as webhooks (intake-request's parseJson), never a 5xx.
        handle: async (request) => {
          try {
            const event = parseEventBody(request.body);
            return jsonResult(202, await alarmIntake.invoke(event));
          } catch (error) {
            if (error instanceof LumosError) {
              return jsonResult(
                error.statusCode,
                { error: { code: error.code, message: error.message, field: error.field } },
                retryAfter(error),
              );
            }
            throw error;
          }
        },
      },
    },
    {
      method: 'GET',
      path: '/notifications',
      target: {
        kind: 'local',
        handle: async (request) =>
          jsonResult(200, {
            notifications: outbox.list({
              channel: request.query.channel,
              incidentId: request.query.incidentId,
              recipient: request.query.recipient,
            }),
          }),
      },
    },
    // The operator console: static files, as S3 + CloudFront serve them in AWS.
    ...consoleRoutes(),
  ];
}

/**
 * Starts the whole system on one machine: DynamoDB Local, the knowledge index, the Step Functions endpoint running
 * the real ASL with the real handler modules, and the HTTP API. Resolves once `/health` answers ok.
 */
export async function startLumos(
  config: LocalConfig = loadLocalConfig(),
  log: Log = () => undefined,
  /** Aborting during start-up stops whatever has started (DynamoDB Local included) and rejects. */
  signal?: AbortSignal,
): Promise<RunningLumos> {
  const started = Date.now();
  await mkdir(config.home, { recursive: true });
  const apiUrl = `http://127.0.0.1:${config.port}`;
  const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;

  let ready = false;
  /** Milliseconds from the start to the end of each phase, logged once ready (start-up time is watched). */
  const phases: Record<string, number> = {};
  const mark = (phase: string) => {
    phases[phase] = Date.now() - started;
  };
  const outbox = new OutboxNotifier(join(config.home, 'notifications.jsonl'));
  let dynamodb: DynamoDbLocal | undefined;
  let sfn: LocalStepFunctions | undefined;
  let http: Server | undefined;
  let governance: LocalGovernance | undefined;
  let knowledgeSync: NodeJS.Timeout | undefined;

  const stop = async () => {
    ready = false;
    clearInterval(knowledgeSync);
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    http?.closeAllConnections();
    await governance?.stopTimers();
    await sfn?.stop();
    await dynamodb?.stop();
  };

  try {
    // The knowledge index (model load + embedding) and DynamoDB Local start side by side.
    const dynamodbStarting = startDynamoDbLocal({
      port: config.dynamodbPort,
      dataDir: join(config.home, 'dynamodb'),
    }).then((running) => {
      dynamodb = running;
      phases.dynamodb = Date.now() - started;
      return running;
    });
    const knowledgeStarting = startLocalKnowledge(config.kbDir, log, config.home).then((built) => {
      phases.knowledge = Date.now() - started;
      return built;
    });
    const [db, knowledge] = await Promise.all([dynamodbStarting, knowledgeStarting]).catch(async (error: unknown) => {
      // Whichever half failed, the other may have started: DynamoDB Local must not outlive us.
      await dynamodbStarting.then((started) => started.stop()).catch(() => undefined);
      throw error;
    });
    signal?.throwIfAborted();
    configureEnvironment(config, db.endpoint, stateMachineArn, apiUrl);
    await ensureIncidentTable(new DynamoDBClient({ endpoint: db.endpoint }), TABLE_NAME);
    // The table exists, so its database file does: from here on each write is one log append and sync.
    db.useWriteAheadLog();

    const { provideDependencies } = await import('../lambdas/runtime/dependencies');
    const { localAgentAdapters } = await import('../lambdas/adapters/local/local-agent-adapters');
    provideDependencies({
      secrets: new EnvSecrets(),
      archive: new FileRawArchive(config.home),
      notifier: outbox,
      knowledge: knowledge.index,
      embedder: knowledge.embedder,
      // The knowledge loop: drafts for review and approved articles under LUMOS_HOME, synced into the index.
      knowledgeDrafts: knowledge.drafts,
      knowledgeWriter: knowledge.index,
      knowledgeSources: knowledge.sources,
      // Agents: deterministic language-model stand-in, sample logs and topology, the trained triage model.
      ...localAgentAdapters({ projectRoot: config.projectRoot, tableName: TABLE_NAME }),
      // ITSM write-back: every write is recorded in the outbox (channel `itsm`); with LUMOS_ITSM_<SOURCE>_URL set it
      // also goes to that URL through the real connector (a contract server or a sandbox instance).
      itsm: new LocalItsm(
        outbox,
        recordedIn(() => outbox.list({ channel: 'itsm' })),
      ),
    });

    // Governance (audit table and export, persisted timers, runbooks) is set up while the handler modules load.
    const [functions, localGovernance] = await Promise.all([
      loadFunctions(config.projectRoot).then((loaded) => {
        mark('functions');
        return loaded;
      }),
      createLocalGovernance({ dynamodbEndpoint: db.endpoint, home: config.home, ensureAuditTable }),
    ]);
    governance = localGovernance;
    provideDependencies(governance.dependencies);
    mark('governance');
    signal?.throwIfAborted();
    // Claims the previous process held when it stopped would hold off redeliveries and re-runs until their leases
    // ran out: release them before anything claims again.
    const { incidentStore } = await import('../lambdas/runtime/ports/incident-store');
    const released = await releaseStaleClaims({
      client: new DynamoDBClient({ endpoint: db.endpoint }),
      tableName: TABLE_NAME,
      ledger: incidentStore(),
      startedAt: new Date(started),
    });
    if (released.length > 0) log(`released ${released.length} claim(s) the stopped process left pending`);
    mark('claims');
    // Executions that were running resume as the engine starts, so every dependency must be provided by now.
    sfn = await startLocalStepFunctions({
      port: config.sfnPort,
      dataDir: join(config.home, 'stepfunctions'),
      stateMachineName: STATE_MACHINE_NAME,
      definitionPath: join(config.projectRoot, 'statemachines', 'incident.asl.json'),
      substitutions: localSubstitutions(),
      functions,
    });
    mark('stepfunctions');
    // No open incident stays without a workflow after a crash: start, redrive or hand to a person.
    const { reconcileLocalRuntime } = await import('./workflow-reconciliation');
    await reconcileLocalRuntime({
      executions: sfn.executions,
      flagForHuman: functions.get('FlagForHuman')!.invoke,
      log,
    });
    mark('reconciliation');
    const timerFunction = functions.get('GovernanceTimer');
    if (timerFunction) await governance.startTimers(async (timer) => void (await timerFunction.invoke(timer)));

    // The knowledge sync, on a schedule as in AWS: approved drafts become searchable.
    const syncSeconds = Number(process.env.LUMOS_KNOWLEDGE_SYNC_SECONDS ?? 30);
    if (syncSeconds > 0)
      knowledgeSync = setInterval(() => {
        knowledge.sync().catch((error: unknown) => log(`knowledge sync failed: ${String(error)}`));
      }, syncSeconds * 1000).unref();

    signal?.throwIfAborted();
    http = createLocalHttpServer(
      buildRoutes(functions, outbox, () => ready),
      (error) => log(`request failed: ${String(error)}`),
    );
    await listen(http, config.port);
    ready = true;
    const startupMs = Date.now() - started;
    mark('http');
    log(
      `start-up phases, ms since start: ${Object.entries(phases)
        .map(([phase, ms]) => `${phase} ${ms}`)
        .join(', ')}`,
    );
    // The chunk vectors came from the cache, so the sentence encoder has not loaded yet: load it now, off the
    // start-up path, rather than in the first incident's triage.
    knowledge.warmUp().catch((error: unknown) => log(`sentence encoder failed to load: ${String(error)}`));
    return {
      config,
      urls: { api: apiUrl, stepFunctions: `http://127.0.0.1:${config.sfnPort}`, dynamodb: db.endpoint },
      stateMachineArn,
      startupMs,
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
