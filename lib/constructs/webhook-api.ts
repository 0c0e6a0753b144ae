import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/nag-findings';

/**
 * One API route served by a function through Lambda proxy integration. Structurally the catalogue's `ApiRoute`, so
 * the stack passes catalogue entries as they are.
 */
export interface ApiRouteSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Resource path with `{param}` placeholders, e.g. `/incidents/{incidentId}`. */
  readonly path: string;
  /**
   * `signature`: no API Gateway authorizer, the handler verifies the sender's signature (webhooks). `iam`: SigV4.
   * `token`: no API Gateway authorizer, the handler verifies a single-use signed token (approval links).
   */
  readonly auth: 'signature' | 'iam' | 'token';
  /** Query string parameters API Gateway must see before invoking the handler. @default - none */
  readonly requiredQueryParameters?: readonly string[];
}

/** A function and the routes it serves. */
export interface ApiHandlerRoutes {
  readonly handler: lambda.IFunction;
  readonly routes: readonly ApiRouteSpec[];
}

/** Properties of {@link WebhookApi}. */
export interface WebhookApiProps {
  /** Every route of the API, grouped by the function that serves it. Two functions may not share a route. */
  readonly handlers: readonly ApiHandlerRoutes[];
  /** API Gateway stage name (the first path segment). @default 'v1' */
  readonly stageName?: string;
  /** Steady-state requests per second for the whole stage. @default 50 */
  readonly throttlingRateLimit?: number;
  /** Burst size for the whole stage. @default 100 */
  readonly throttlingBurstLimit?: number;
  /**
   * Execution logging level. Anything but OFF needs the account's API Gateway CloudWatch role to exist already;
   * this construct never creates that per-region singleton. @default 'OFF'
   */
  readonly executionLogging?: 'OFF' | 'ERROR' | 'INFO';
  /** Retention of the access log group. @default logs.RetentionDays.TWO_WEEKS */
  readonly accessLogRetention?: logs.RetentionDays;
  /** Key that encrypts the access log group. @default - CloudWatch Logs' own encryption */
  readonly accessLogEncryptionKey?: kms.IKey;
  /** What happens to the access log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where the 5XX alarm goes. @default - no alarm */
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

/**
 * The public REST API: webhook intake for every source, and the read API for incidents and knowledge, built from
 * the routes the function catalogue declares (the local runtime serves the same set).
 *
 * `signature` and `token` routes have no API Gateway authorizer on purpose: each source signs its deliveries
 * (HMAC headers or a bearer secret) and only the handler holds the raw body needed to verify them. `iam` routes
 * require SigV4 until the operator console brings its own identity provider. Regional endpoint, X-Ray tracing, JSON
 * access logs, stage throttling, parameter validation, and JSON error bodies for API Gateway's own 4XX/5XX.
 */
export class WebhookApi extends Construct {
  /** The REST API. */
  public readonly api: apigw.RestApi;
  /** JSON access logs, one line per request. */
  public readonly accessLogGroup: logs.LogGroup;
  /** Every method, keyed `<METHOD> <path>`, e.g. `GET /incidents/{incidentId}`. */
  public readonly methods: Readonly<Record<string, apigw.Method>>;
  /** Raised on API Gateway 5XX responses; undefined without `alarmAction`. */
  public readonly serverErrorAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const executionLogging = props.executionLogging ?? 'OFF';

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.TWO_WEEKS,
      encryptionKey: props.accessLogEncryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      description: `Lumos ${Stack.of(this).stackName}: webhook intake and incident read API`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // The account-level CloudWatch role is a per-region singleton that two stages in one account would fight over.
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? 'v1',
        tracingEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit ?? 50,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
        loggingLevel: executionLogging === 'OFF' ? undefined : apigw.MethodLoggingLevel[executionLogging],
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            extendedRequestId: '$context.extendedRequestId',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integration.status',
            integrationLatency: '$context.integration.latency',
            errorType: '$context.error.responseType',
            errorMessage: '$context.error.message',
            caller: '$context.identity.caller',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            xrayTraceId: '$context.xrayTraceId',
          }),
        ),
      },
    });

    // API Gateway's own rejections (throttling, missing IAM signature, bad parameters, too large) in the same
    // `{"error": {...}}` shape the handlers use, so clients parse one error format.
    for (const [id, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.api.addGatewayResponse(id, {
        type,
        templates: {
          'application/json': '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}',
        },
      });
    }

    // Validates the parameters each method declares (path placeholders, required query strings). No method has a
    // body model, so body validation checks nothing; it is on so the validator is complete.
    const parameterValidator = this.api.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });

    const methods: Record<string, apigw.Method> = {};
    for (const { handler, routes } of props.handlers) {
      const integration = new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        if (methods[key]) throw new Error(`WebhookApi: two handlers serve ${key}`);
        const requestParameters: Record<string, boolean> = {};
        for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g))
          requestParameters[`method.request.path.${name}`] = true;
        for (const name of route.requiredQueryParameters ?? [])
          requestParameters[`method.request.querystring.${name}`] = true;
        const method = this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
          authorizationType: route.auth === 'iam' ? apigw.AuthorizationType.IAM : apigw.AuthorizationType.NONE,
          requestValidator: parameterValidator,
          requestParameters,
        });
        acknowledgeRouteAuthorization(method, route);
        methods[key] = method;
      }
    }
    this.methods = methods;

    const stage = this.api.deploymentStage;
    acknowledge(
      stage,
      'AwsSolutions-APIG3',
      'No WAFv2 web ACL yet: webhook routes verify a per-source signature before any work, read routes need SigV4, and the stage is throttled. The managed common rule set would also block legitimate webhook bodies over 8 KB (SizeRestrictions_BODY); a tuned web ACL is a follow-up once the API faces more than the integrated sources.',
    );
    if (executionLogging === 'OFF') {
      acknowledge(
        stage,
        'AwsSolutions-APIG6',
        "Execution logging needs the account-wide API Gateway CloudWatch role, a per-region singleton that two stages in one account must not both own; JSON access logs (with error type and message), X-Ray traces and the handlers' own logs cover each request. Set api.executionLogging in the stage config where that role exists.",
      );
    }

    if (props.alarmAction) {
      this.serverErrorAlarm = new cloudwatch.Alarm(this, 'ServerErrorAlarm', {
        alarmDescription: `Lumos ${Stack.of(this).stackName}: the API answered with 5XX`,
        metric: this.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.serverErrorAlarm.addAlarmAction(props.alarmAction);
    }
  }

  /** The invoke URL of the stage, ending in `/`. */
  public get url(): string {
    return this.api.url;
  }
}

/** Why a route has no API Gateway authorizer, or no Cognito authorizer, in cdk-nag's terms. */
function acknowledgeRouteAuthorization(method: apigw.Method, route: ApiRouteSpec): void {
  const label = `${route.method} ${route.path}`;
  if (route.auth === 'signature') {
    acknowledge(
      method,
      'AwsSolutions-APIG4',
      `${label} receives webhooks from ITSM and monitoring tools, which cannot sign with SigV4 or fetch authorizer tokens; the handler authenticates every delivery by the source's own signature or bearer secret over the raw body and answers 401 otherwise.`,
    );
    acknowledge(
      method,
      'AwsSolutions-COG4',
      `${label} is called by machines, not Cognito users; each delivery is authenticated by its source's signature or bearer secret in the handler.`,
    );
  } else if (route.auth === 'token') {
    acknowledge(
      method,
      'AwsSolutions-APIG4',
      `${label} is opened from a link a person received; the handler accepts only a single-use, signed, expiring token bound to the exact action.`,
    );
    acknowledge(
      method,
      'AwsSolutions-COG4',
      `${label} authenticates by a single-use signed token checked in the handler, not by a Cognito session.`,
    );
  } else {
    acknowledge(
      method,
      'AwsSolutions-COG4',
      `${label} requires AWS SigV4 (IAM authorization) for operators and internal tools; a Cognito user pool arrives with the operator console, not before.`,
    );
  }
}
