import * as path from 'node:path';
import { CfnOutput, Duration, NestedStack, RemovalPolicy, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { type FunctionSpec, functionCatalogue, substitutionKey } from '../lambdas/function-catalogue';
import { type AgentAccess, type CoreAccess, type GovernanceAccess, wiringOf } from '../lambdas/runtime/access';
import { Agents } from './agents-wiring';
import type { StageConfig } from './config/stage-config';
import { AlarmIntake } from './constructs/alarm-intake';
import { ConsoleHosting } from './constructs/console-hosting';
import { IncidentStore } from './constructs/incident-store';
import { IncidentWorkflow } from './constructs/incident-workflow';
import { ItsmConnections } from './constructs/itsm-connections';
import { LumosFunction } from './constructs/lumos-function';
import { NotificationTopics } from './constructs/notification-topics';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { RawArchive } from './constructs/raw-archive';
import { StageKey } from './constructs/stage-key';
import { WebhookApi } from './constructs/webhook-api';
import { WebhookSecrets } from './constructs/webhook-secrets';
import { Governance, governanceExternalModules } from './governance-wiring';

/** The project root: catalogue entries and the ASL file are relative to it. */
const PROJECT_ROOT = path.join(__dirname, '..');

/**
 * Query parameters API Gateway checks before invoking the handler, by route: requests without them get a 400 from
 * API Gateway and never start a Lambda.
 */
const REQUIRED_QUERY_PARAMETERS: Readonly<Record<string, readonly string[]>> = {
  'GET /knowledge/search': ['q'],
};

/** The Powertools service name of a catalogue function: `WebhookIntake` -> `lumos-webhook-intake`. */
export function serviceNameOf(spec: Pick<FunctionSpec, 'id'>): string {
  return `lumos-${spec.id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** Properties of {@link LumosStack}. */
export interface LumosStackProps extends StackProps {
  /** The validated stage configuration. */
  readonly config: StageConfig;
  /** The functions to deploy. @default functionCatalogue */
  readonly functions?: readonly FunctionSpec[];
  /** Where catalogue entries and `statemachines/` are resolved. @default the repository root */
  readonly projectRoot?: string;
}

/**
 * One stage of Lumos: webhook API and alarm intake in front, the incident table and raw archive behind, the
 * incident workflow and its agent functions in between. Every function in the catalogue is deployed with only the
 * access its catalogue entry lists. No resource has a physical name, so stages can share an account.
 */
export class LumosStack extends Stack {
  /** Every deployed function, by catalogue id. */
  public readonly functions: Readonly<Record<string, LumosFunction>>;
  public readonly incidentStore: IncidentStore;
  public readonly rawArchive: RawArchive;
  public readonly webhookSecrets: WebhookSecrets;
  /** Base URLs and credentials of the ITSMs Lumos writes back to. */
  public readonly itsmConnections: ItsmConnections;
  public readonly topics: NotificationTopics;
  public readonly workflow: IncidentWorkflow;
  public readonly api: WebhookApi;
  public readonly alarmIntake: AlarmIntake;
  /** The operator console: S3 + CloudFront, Cognito sign-in, the API routes behind a Cognito authorizer. */
  public readonly console: ConsoleHosting;
  /** Dashboard and alarms: outcomes by AI and human handling, backlog, executions, dead letters. */
  public readonly operations: OperationsDashboard;
  /** Agent models, knowledge search, log access and the knowledge sync. */
  public readonly agents: Agents;
  /** Approvals, SLA timers, the audit trail and the governance bundle. */
  public readonly governance: Governance;

  constructor(scope: Construct, id: string, props: LumosStackProps) {
    super(scope, id, { description: `Lumos (${props.config.stage}): AI-agent IT operations`, ...props });
    const { config } = props;
    const root = props.projectRoot ?? PROJECT_ROOT;
    const specs = props.functions ?? functionCatalogue;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    Tags.of(this).add('project', 'lumos');
    Tags.of(this).add('lumos:stage', config.stage);

    const stageKey = new StageKey(this, 'StageKey', { removalPolicy });
    this.topics = new NotificationTopics(this, 'Topics', { encryptionKey: stageKey.key });
    const alarmAction = this.topics.operatorAlarmAction;

    this.incidentStore = new IncidentStore(this, 'IncidentStore', {
      pointInTimeRecovery: config.incidentTable.pointInTimeRecovery,
      deletionProtection: config.incidentTable.deletionProtection,
      removalPolicy,
    });
    this.rawArchive = new RawArchive(this, 'RawArchive', {
      infrequentAccessAfter: Duration.days(config.rawArchive.infrequentAccessAfterDays),
      expireAfter: Duration.days(config.rawArchive.expireAfterDays),
      removalPolicy,
    });
    this.webhookSecrets = new WebhookSecrets(this, 'WebhookSecrets', { removalPolicy });
    this.itsmConnections = new ItsmConnections(this, 'ItsmConnections', { removalPolicy });

    // Grouped under one scope so catalogue ids never collide with the stack's other construct ids.
    const functionScope = new Construct(this, 'Functions');
    const functions: Record<string, LumosFunction> = {};
    for (const spec of specs) {
      functions[spec.id] = new LumosFunction(functionScope, spec.id, {
        entry: path.join(root, spec.entry),
        description: spec.description,
        serviceName: serviceNameOf(spec),
        memorySize: spec.memorySize ?? 512,
        timeout: Duration.seconds(spec.timeoutSeconds ?? 30),
        logRetention: config.logRetentionDays,
        logEncryptionKey: stageKey.key,
        logLevel: config.logLevel,
        metricsNamespace: `Lumos/${config.stage}`,
        environment: { LUMOS_STAGE: config.stage },
        removalPolicy,
        alarmAction,
        deadLetterAlarmThreshold: config.alarms.deadLetterMessagesThreshold,
        externalModules: governanceExternalModules(spec),
      });
    }
    this.functions = functions;
    const required = (id: string): LumosFunction => {
      const fn = functions[id];
      if (!fn) throw new Error(`the function catalogue has no '${id}', which the stack wires to EventBridge`);
      return fn;
    };

    this.workflow = new IncidentWorkflow(this, 'IncidentWorkflow', {
      definitionFile: path.join(root, 'statemachines', 'incident.asl.json'),
      functions: Object.fromEntries(
        specs.filter((spec) => spec.role === 'workflow').map((spec) => [substitutionKey(spec), required(spec.id)]),
      ),
      logEncryptionKey: stageKey.key,
      logRetention: config.logRetentionDays,
      removalPolicy,
      alarmAction,
      failedExecutionsThreshold: config.alarms.workflowFailuresThreshold,
      alarmPeriod: Duration.seconds(config.alarms.periodSeconds),
    });

    this.api = new WebhookApi(this, 'WebhookApi', {
      handlers: specs
        .filter((spec) => (spec.routes ?? []).length > 0)
        .map((spec) => ({
          handler: required(spec.id).function,
          routes: (spec.routes ?? []).map((route) => ({
            ...route,
            requiredQueryParameters: REQUIRED_QUERY_PARAMETERS[`${route.method} ${route.path}`],
          })),
        })),
      throttlingRateLimit: config.api.throttlingRateLimit,
      throttlingBurstLimit: config.api.throttlingBurstLimit,
      executionLogging: config.api.executionLogging,
      accessLogRetention: config.logRetentionDays,
      accessLogEncryptionKey: stageKey.key,
      removalPolicy,
      alarmAction,
    });

    this.governance = new Governance(this, 'Governance', {
      config,
      projectRoot: root,
      functions,
      workflow: this.workflow,
      api: this.api.api,
    });

    this.agents = new Agents(this, 'Agents', {
      config,
      functions,
      accessLogsBucket: this.rawArchive.accessLogsBucket,
      removalPolicy,
    });

    for (const spec of specs) {
      const fn = required(spec.id);
      for (const access of spec.access) {
        const wiring = wiringOf(access);
        if (wiring === 'governance') this.governance.grant(spec.id, fn, access as GovernanceAccess);
        else if (wiring === 'agents') this.agents.grant(fn, access as AgentAccess, spec.access);
        else this.grantCore(fn, access as CoreAccess, config);
      }
    }

    // A nested stack: the console is a static site with a lifecycle of its own, and its CloudFront, Cognito and
    // operator API resources stay out of this stack's 500-resource budget.
    this.console = new ConsoleHosting(new NestedStack(this, 'ConsoleStack'), 'Console', {
      stage: config.stage,
      handlers: specs
        .filter((spec) => (spec.routes ?? []).length > 0)
        .map((spec) => ({ handler: required(spec.id).function, routes: spec.routes ?? [] })),
      accessLogsBucket: this.rawArchive.accessLogsBucket,
      logEncryptionKey: stageKey.key,
      logRetention: config.logRetentionDays,
      removalPolicy,
    });
    const metricsPublisher = functions.MetricsApi;
    this.operations = new OperationsDashboard(this, 'Operations', {
      metricsNamespace: `Lumos/${config.stage}`,
      stateMachine: this.workflow.stateMachine,
      deadLetterQueues: Object.fromEntries(Object.entries(functions).map(([id, fn]) => [id, fn.deadLetterQueue])),
      failedExecutionsAlarm: this.workflow.failedExecutionsAlarm,
      deadLetterAlarms: Object.values(functions).flatMap((fn) => (fn.deadLetterAlarm ? [fn.deadLetterAlarm] : [])),
      otherAlarms: this.api.serverErrorAlarm ? [this.api.serverErrorAlarm] : [],
      ...(metricsPublisher
        ? { publisher: { function: metricsPublisher.function, deadLetterQueue: metricsPublisher.deadLetterQueue } }
        : {}),
      alarmAction,
    });

    const alarmIntakeFunction = required('AlarmIntake');
    this.alarmIntake = new AlarmIntake(this, 'AlarmIntake', {
      handler: alarmIntakeFunction.function,
      deadLetterQueue: alarmIntakeFunction.deadLetterQueue,
      retryAttempts: config.alarmIntake.retryAttempts,
      maxEventAge: Duration.seconds(config.alarmIntake.maxEventAgeSeconds),
      zendeskPartnerEventBuses: config.alarmIntake.zendeskPartnerEventBuses,
    });

    // No exportName: exports are account-wide names, and two stages share an account.
    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL; webhooks at <url>webhooks/<source>' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachineArn });
    new CfnOutput(this, 'IncidentTableName', { value: this.incidentStore.tableName });
    new CfnOutput(this, 'RawArchiveBucketName', { value: this.rawArchive.bucketName });
    new CfnOutput(this, 'ItsmConnectionsArn', {
      value: this.itsmConnections.secretArn,
      description: 'JSON {"<servicenow|jira|zendesk>": {"baseUrl", "credentials"}}; fill in to enable write-back',
    });
    new CfnOutput(this, 'WebhookSecretsArn', {
      value: this.webhookSecrets.secretArn,
      description: 'JSON {"<source>": "<secret>"}; add each sending system\'s secret here',
    });
    new CfnOutput(this, 'NotificationsTopicArn', { value: this.topics.notificationsTopicArn });
    new CfnOutput(this, 'OperatorAlertsTopicArn', { value: this.topics.operatorAlerts.topicArn });
    new CfnOutput(this, 'ConsoleUrl', {
      value: this.console.url,
      description: 'The operator console (Cognito sign-in)',
    });
    new CfnOutput(this, 'OperatorUserPoolId', {
      value: this.console.userPool.userPoolId,
      description:
        'Create operators here (admin-only sign-up); their e-mail is the identity approval links are bound to',
    });
  }

  /** Grants one function one core access and sets the environment variables that address it. */
  private grantCore(fn: LumosFunction, access: CoreAccess, config: StageConfig): void {
    switch (access) {
      case 'readIncidents':
        this.incidentStore.grantReadIncidents(fn.role);
        fn.addEnvironment('INCIDENT_TABLE_NAME', this.incidentStore.tableName);
        break;
      case 'readWriteIncidents':
        this.incidentStore.grantReadWriteIncidents(fn.role);
        fn.addEnvironment('INCIDENT_TABLE_NAME', this.incidentStore.tableName);
        break;
      case 'startWorkflows':
        this.workflow.grantStartIncidentWorkflows(fn.role);
        fn.addEnvironment('STATE_MACHINE_ARN', this.workflow.stateMachineArn);
        break;
      case 'archiveDeliveries':
        this.rawArchive.grantWriteDeliveries(fn.role);
        fn.addEnvironment('RAW_ARCHIVE_BUCKET', this.rawArchive.bucketName);
        break;
      case 'readWebhookSecrets':
        this.webhookSecrets.grantReadSecrets(fn.role);
        fn.addEnvironment('WEBHOOK_SECRETS_ARN', this.webhookSecrets.secretArn);
        break;
      case 'writeTickets':
        this.itsmConnections.grantRead(fn.role);
        fn.addEnvironment('ITSM_SECRETS_ARN', this.itsmConnections.secretArn);
        break;
      case 'publishNotifications':
        this.topics.grantPublishNotifications(fn.role);
        fn.addEnvironment('NOTIFICATIONS_TOPIC_ARN', this.topics.notificationsTopicArn);
        break;
      case 'triageModel':
        fn.allowBedrockModel(config.bedrock.models.triage);
        break;
      case 'planModel':
        fn.allowBedrockModel(config.bedrock.models.plan);
        break;
      case 'embeddingModel':
        fn.allowBedrockModel(config.bedrock.models.knowledgeEmbedding, 'BEDROCK_EMBEDDING_MODEL_ID');
        break;
      case 'serviceMap':
        if (config.serviceMap.source === 'ssm-parameter') {
          const parameterArn = this.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: config.serviceMap.parameterName.replace(/^\//, ''),
          });
          fn.role.addToPrincipalPolicy(
            new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameterArn] }),
          );
          fn.addEnvironment('SERVICE_MAP_PARAMETER', config.serviceMap.parameterName);
        }
        break;
      case 'approvalPolicy':
        fn.addEnvironment('APPROVAL_TIMEOUT_SECONDS', JSON.stringify(config.approval.timeoutSeconds));
        fn.addEnvironment('APPROVAL_HEARTBEAT_SECONDS', String(config.approval.heartbeatSeconds));
        break;
      default: {
        const unhandled: never = access;
        throw new Error(`no wiring for access '${String(unhandled)}'`);
      }
    }
  }
}
