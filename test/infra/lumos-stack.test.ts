import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { functionCatalogue, substitutionKey } from '../../lambdas/function-catalogue';
import { ALARM_DETAIL_TYPES } from '../../lib/constructs/alarm-intake';
import { INCIDENT_TTL_ATTRIBUTE } from '../../lib/constructs/incident-store';
import { substitutionKeysIn } from '../../lib/constructs/incident-workflow';
import type { LumosStack } from '../../lib/lumos-stack';
import { renderCfn, resourcesOfType, synthStage } from './support/synth-stage';

let dev: { stack: LumosStack; template: Template };
let prod: { stack: LumosStack; template: Template };

beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});

const logicalIdOf = (stack: LumosStack, element: unknown): string => stack.getLogicalId(element as CfnElement);
const functionLogicalId = (stack: LumosStack, id: string): string =>
  logicalIdOf(stack, stack.functions[id].function.node.defaultChild);
const rolePolicyStatements = (stack: LumosStack, template: Template, id: string): Array<Record<string, unknown>> => {
  const roleId = logicalIdOf(stack, stack.functions[id].role.node.defaultChild);
  const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`),
  );
  return policies.flatMap(
    (policy) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
  );
};
const actionsOf = (statements: Array<Record<string, unknown>>): string[] =>
  statements.flatMap((statement) => [statement.Action].flat() as string[]);

describe('incident table', () => {
  it('has pk/sk string keys, TTL on expiresAt, PITR and server-side encryption', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: INCIDENT_TTL_ATTRIBUTE, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('has the byCreated and byFingerprint indexes with createdAt as sort key', () => {
    prod.template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'byCreated',
          KeySchema: [
            { AttributeName: 'entity', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'byFingerprint',
          KeySchema: [
            { AttributeName: 'fingerprint', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('is protected from deletion and retained in prod, and disposable in dev', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      DeletionPolicy: 'Retain',
    });
    dev.template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
      DeletionPolicy: 'Delete',
    });
  });
});

describe('functions', () => {
  it('deploys exactly the catalogue, each on nodejs24.x, arm64, with active tracing and a dead-letter queue', () => {
    const functions = Object.values(resourcesOfType(prod.template, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(functionCatalogue.length);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        DeadLetterConfig: { TargetArn: expect.anything() },
        Handler: 'index.handler',
      });
    }
  });

  it('gives every function its own log group with the stage retention', () => {
    for (const spec of functionCatalogue) {
      const fn = resourcesOfType(prod.template, 'AWS::Lambda::Function')[functionLogicalId(prod.stack, spec.id)];
      const logGroupId = logicalIdOf(prod.stack, prod.stack.functions[spec.id].logGroup.node.defaultChild);
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId } });
      expect(resourcesOfType(prod.template, 'AWS::Logs::LogGroup')[logGroupId].Properties.RetentionInDays).toBe(365);
    }
    dev.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 14 });
  });

  it('names each function for Powertools and sets the addresses its access requires', () => {
    const envFor = (access: string): string[] =>
      ({
        readIncidents: ['INCIDENT_TABLE_NAME'],
        readWriteIncidents: ['INCIDENT_TABLE_NAME'],
        startWorkflows: ['STATE_MACHINE_ARN'],
        archiveDeliveries: ['RAW_ARCHIVE_BUCKET'],
        readWebhookSecrets: ['WEBHOOK_SECRETS_ARN'],
        publishNotifications: ['NOTIFICATIONS_TOPIC_ARN'],
        triageModel: ['BEDROCK_MODEL_ID'],
        planModel: ['BEDROCK_MODEL_ID'],
        embeddingModel: ['BEDROCK_EMBEDDING_MODEL_ID'],
        serviceMap: [],
        approvalPolicy: ['APPROVAL_TIMEOUT_SECONDS', 'APPROVAL_HEARTBEAT_SECONDS'],
      })[access] ?? [];
    for (const spec of functionCatalogue) {
      const fn = resourcesOfType(prod.template, 'AWS::Lambda::Function')[functionLogicalId(prod.stack, spec.id)];
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.POWERTOOLS_SERVICE_NAME).toMatch(/^lumos-[a-z-]+$/);
      for (const name of spec.access.flatMap(envFor)) expect(variables).toHaveProperty(name);
    }
  });

  it('passes the approval timeouts per risk tier to Plan', () => {
    const plan = resourcesOfType(prod.template, 'AWS::Lambda::Function')[functionLogicalId(prod.stack, 'Plan')];
    const variables = (plan.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(JSON.parse(variables.APPROVAL_TIMEOUT_SECONDS)).toEqual({ low: 0, medium: 3600, high: 600 });
    expect(Number(variables.APPROVAL_HEARTBEAT_SECONDS)).toBeLessThan(600);
  });
});

describe('least privilege', () => {
  it('lets the read API only read incidents', () => {
    const actions = actionsOf(rolePolicyStatements(prod.stack, prod.template, 'IncidentApi'));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(
      actions.filter((action) =>
        /^(dynamodb:(Put|Update|Delete|BatchWrite)|states:|s3:|secretsmanager:|sns:)/.test(action),
      ),
    ).toEqual([]);
  });

  it('gives the webhook secret only to WebhookIntake, raw-archive writes and workflow starts only to the two intakes', () => {
    const idOf = (type: string, pattern: RegExp) => {
      const id = Object.keys(resourcesOfType(prod.template, type)).find((logicalId) => pattern.test(logicalId));
      if (!id) throw new Error(`no ${type} matching ${pattern}`);
      return id;
    };
    const webhookSecret = idOf('AWS::SecretsManager::Secret', /Webhook/i);
    const rawArchive = idOf('AWS::S3::Bucket', /^RawArchive(?!.*Log)/i);
    // Other functions may read other secrets (approval-link keys) or write other buckets (audit export); what is
    // checked here is who reaches these two resources.
    const reaches = (id: string, action: string, logicalId: string) =>
      rolePolicyStatements(prod.stack, prod.template, id).some(
        (statement) =>
          actionsOf([statement]).includes(action) && JSON.stringify(statement.Resource).includes(logicalId),
      );
    for (const spec of functionCatalogue) {
      expect([spec.id, reaches(spec.id, 'secretsmanager:GetSecretValue', webhookSecret)]).toEqual([
        spec.id,
        spec.id === 'WebhookIntake',
      ]);
      expect([spec.id, reaches(spec.id, 's3:PutObject', rawArchive)]).toEqual([
        spec.id,
        ['WebhookIntake', 'AlarmIntake'].includes(spec.id),
      ]);
      const actions = actionsOf(rolePolicyStatements(prod.stack, prod.template, spec.id));
      expect([spec.id, actions.includes('states:StartExecution')]).toEqual([
        spec.id,
        ['WebhookIntake', 'AlarmIntake'].includes(spec.id),
      ]);
    }
  });

  it('grants no wildcard actions and no Scan to any function', () => {
    for (const spec of functionCatalogue) {
      const actions = actionsOf(rolePolicyStatements(prod.stack, prod.template, spec.id));
      expect(actions.filter((action) => action.includes('*') || action === 'dynamodb:Scan')).toEqual([]);
    }
  });

  it('scopes each agent to its own Bedrock model', () => {
    const bedrockResources = (id: string): string[] =>
      rolePolicyStatements(prod.stack, prod.template, id)
        .filter((statement) => actionsOf([statement]).includes('bedrock:InvokeModel'))
        .map((statement) => renderCfn(statement.Resource));
    expect(bedrockResources('Triage')).toEqual([
      expect.stringMatching(/foundation-model\/anthropic\.claude-3-5-sonnet/),
    ]);
    // Knowledge embeds queries with Titan and writes its grounded resolution with the stage's text model.
    expect(bedrockResources('Knowledge')).toEqual([
      expect.stringMatching(/foundation-model\/amazon\.titan-embed-text-v2:0$/),
      expect.stringMatching(/foundation-model\/anthropic\.claude-3-5-sonnet/),
    ]);
    expect(bedrockResources('ExecutePlan')).toEqual([]);
  });
});

describe('API', () => {
  it('serves every catalogue route, webhooks without an authorizer and read routes with IAM', () => {
    const methods = Object.values(resourcesOfType(prod.template, 'AWS::ApiGateway::Method'));
    const resources = resourcesOfType(prod.template, 'AWS::ApiGateway::Resource');
    const pathOf = (resourceId: unknown): string => {
      const ref = (resourceId as { Ref?: string }).Ref;
      if (!ref) return '';
      const resource = resources[ref].Properties as { ParentId: unknown; PathPart: string };
      return `${pathOf(resource.ParentId)}/${resource.PathPart}`;
    };
    const served = methods.map((method) => ({
      route: `${method.Properties.HttpMethod} ${pathOf(method.Properties.ResourceId)}`,
      auth: method.Properties.AuthorizationType,
    }));
    const expected = functionCatalogue.flatMap((spec) =>
      (spec.routes ?? []).map((route) => ({
        route: `${route.method} ${route.path}`,
        auth: route.auth === 'iam' ? 'AWS_IAM' : 'NONE',
      })),
    );
    expect(served).toEqual(expect.arrayContaining(expected));
    expect(served).toHaveLength(expected.length);
    expect(expected).toEqual(expect.arrayContaining([{ route: 'POST /webhooks/{source}', auth: 'NONE' }]));
  });

  it('integrates each route with its own function through Lambda proxy integration', () => {
    const webhook = functionLogicalId(prod.stack, 'WebhookIntake');
    prod.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      Integration: {
        Type: 'AWS_PROXY',
        Uri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [webhook, 'Arn'] }])] }),
      },
    });
  });

  it('requires q on knowledge search before invoking the handler', () => {
    prod.template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      RequestParameters: { 'method.request.querystring.q': true },
      RequestValidatorId: Match.anyValue(),
    });
    prod.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
      ValidateRequestBody: true,
    });
  });

  it('traces, throttles and writes JSON access logs on the stage', () => {
    prod.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 }),
      ]),
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('^\\{"requestId"') },
    });
    const stage = Object.values(resourcesOfType(prod.template, 'AWS::ApiGateway::Stage'))[0];
    expect(() => JSON.parse((stage.Properties.AccessLogSetting as { Format: string }).Format)).not.toThrow();
  });

  it('answers API Gateway errors in the handlers\' {"error": {...}} shape', () => {
    prod.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'DEFAULT_4XX',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('^\\{"error":\\{"code"') },
    });
  });
});

describe('alarm intake', () => {
  it("matches CloudWatch alarm state changes on the default bus, except this stage's own alarms", () => {
    prod.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': [...ALARM_DETAIL_TYPES],
        detail: { alarmName: [{ 'anything-but': { prefix: 'Lumos-prod-' } }] },
      },
      EventBusName: Match.absent(),
    });
  });

  it('targets AlarmIntake with a retry policy and its encrypted dead-letter queue', () => {
    const queueId = logicalIdOf(prod.stack, prod.stack.functions.AlarmIntake.deadLetterQueue.node.defaultChild);
    prod.template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [functionLogicalId(prod.stack, 'AlarmIntake'), 'Arn'] },
          Id: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        },
      ],
    });
    expect(resourcesOfType(prod.template, 'AWS::SQS::Queue')[queueId].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
    });
  });
});

describe('state machine', () => {
  it('is STANDARD, logs ALL with execution data to an encrypted log group, and traces', () => {
    const logGroupId = logicalIdOf(prod.stack, prod.stack.workflow.logGroup.node.defaultChild);
    prod.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] } } }],
      },
    });
    expect(resourcesOfType(prod.template, 'AWS::Logs::LogGroup')[logGroupId].Properties.KmsKeyId).toBeDefined();
  });

  it('resolves every substitution in the definition to a workflow function ARN', () => {
    const machine = Object.values(resourcesOfType(prod.template, 'AWS::StepFunctions::StateMachine'))[0];
    const definition = renderCfn(machine.Properties.DefinitionString);
    const substitutions = machine.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const placeholders = [...definition.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1]);
    expect(placeholders.length).toBeGreaterThan(0);
    for (const placeholder of placeholders) expect(substitutions).toHaveProperty([placeholder]);

    // What CloudFormation will hand to Step Functions: no placeholder left, valid JSON, the states the tests key on.
    const deployed = definition.replace(/\$\{([^}]+)\}/g, (_, key: string) => renderCfn(substitutions[key]));
    expect(deployed).not.toMatch(/\$\{/);
    const parsed = JSON.parse(deployed) as { States: Record<string, unknown> };
    expect(Object.keys(parsed.States)).toEqual(
      expect.arrayContaining(['Triage', 'Enrich', 'HumanGate', 'FlagForHuman']),
    );
    for (const spec of functionCatalogue.filter((candidate) => candidate.role === 'workflow')) {
      expect(renderCfn(substitutions[substitutionKey(spec)])).toBe(`<${functionLogicalId(prod.stack, spec.id)}.Arn>`);
    }
  });

  it('may invoke exactly the functions the definition references, by unqualified ARN', () => {
    const roleId = logicalIdOf(prod.stack, prod.stack.workflow.stateMachine.role.node.defaultChild);
    const statements = Object.values(resourcesOfType(prod.template, 'AWS::IAM::Policy'))
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
      .flatMap(
        (policy) => (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      )
      .filter((statement) => actionsOf([statement]).includes('lambda:InvokeFunction'));
    const invoked = statements.flatMap((statement) => [statement.Resource].flat().map(renderCfn)).sort();
    const referenced = substitutionKeysIn(
      readFileSync(path.join(__dirname, '..', '..', 'statemachines', 'incident.asl.json'), 'utf8'),
    );
    const expected = functionCatalogue
      .filter((spec) => referenced.includes(substitutionKey(spec)))
      .map((spec) => `<${functionLogicalId(prod.stack, spec.id)}.Arn>`)
      .sort();
    expect(expected.length).toBe(referenced.length);
    expect(invoked).toEqual(expected);
  });

  it('alarms on failed, timed-out or aborted executions to the operator topic', () => {
    const topicId = logicalIdOf(prod.stack, prod.stack.topics.operatorAlerts.node.defaultChild);
    prod.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: 'failed + timedOut + aborted' })]),
      Threshold: 1,
      AlarmActions: [{ Ref: topicId }],
    });
  });
});

describe('raw archive and secrets', () => {
  it('keeps raw deliveries encrypted, versioned, private, logged and on a lifecycle', () => {
    const bucketId = logicalIdOf(prod.stack, prod.stack.rawArchive.bucket.node.defaultChild);
    expect(resourcesOfType(prod.template, 'AWS::S3::Bucket')[bucketId].Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: expect.anything() },
      LifecycleConfiguration: { Rules: expect.arrayContaining([expect.objectContaining({ ExpirationInDays: 400 })]) },
    });
  });

  it('generates the webhook secret as JSON with a default entry', () => {
    prod.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'default' },
    });
  });
});
