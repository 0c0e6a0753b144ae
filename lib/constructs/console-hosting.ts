import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { buildConsoleSync, CONSOLE_DIR } from '../../console/build';
import { acknowledge, iamWildcardActionFinding, iamWildcardResourceFinding } from '../compliance/nag-findings';
import type { ApiHandlerRoutes } from './webhook-api';

/** Properties of {@link ConsoleHosting}. */
export interface ConsoleHostingProps {
  /**
   * The API's functions and their catalogue routes. The operator API serves every `iam` route behind the Cognito
   * authorizer and every `token` route (approval links) as it is; `signature` routes (webhooks) stay off it.
   */
  readonly handlers: readonly ApiHandlerRoutes[];
  /** Stage name, shown in the console and used in the sign-in domain. */
  readonly stage: string;
  /** Bucket that receives the console bucket's S3 server access logs. @default - no access logs */
  readonly accessLogsBucket?: s3.IBucket;
  /** Key that encrypts the operator API's access log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** @default logs.RetentionDays.TWO_WEEKS */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the bucket, user pool and log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Steady-state requests per second of the operator API. @default 20 */
  readonly throttlingRateLimit?: number;
  /** @default 40 */
  readonly throttlingBurstLimit?: number;
  /**
   * Cognito hosted-UI domain prefix; must be unique in the region across all AWS accounts.
   * @default `lumos-<stage>-<account id>`
   */
  readonly domainPrefix?: string;
  /** Where the console's sources are. @default the repository's `console/` folder */
  readonly consoleDir?: string;
}

/** API paths the console calls; CloudFront sends them to the operator API, everything else to the bucket. */
const API_PATH_PATTERNS = ['/incidents*', '/approvals*', '/metrics/*', '/knowledge/*'];

/** Serves `/` and `/console` from `/console/index.html`; the console's own routes live in the URL fragment. */
const INDEX_REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri === '/' || request.uri === '') {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/console/' } } };
  }
  if (request.uri === '/console' || request.uri === '/console/') request.uri = '/console/index.html';
  return request;
}`;

/**
 * The operator console in AWS: its static files in a private S3 bucket behind CloudFront (origin access control,
 * HTTPS only, security headers with a CSP that allows this origin and the sign-in domain only), people signing in
 * through a Cognito user pool (no self sign-up, MFA required, hosted UI with authorization code + PKCE), and the
 * same API routes and handlers the local runtime serves, on an operator API whose routes need a Cognito ID token.
 * CloudFront serves the console and that API from one origin, so the browser needs no CORS. The SigV4 API for
 * tools and the webhook routes are untouched.
 */
export class ConsoleHosting extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly userPoolDomain: cognito.UserPoolDomain;
  /** The console's API: catalogue `iam` routes behind {@link authorizer}, `token` routes as they are. */
  public readonly operatorApi: apigw.RestApi;
  public readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  public readonly accessLogGroup: logs.LogGroup;
  /** Every method of the operator API, keyed `<METHOD> <path>`. */
  public readonly methods: Readonly<Record<string, apigw.Method>>;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (props.domainPrefix !== undefined && !/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(props.domainPrefix)) {
      throw new Error(
        `ConsoleHosting: domainPrefix must be lowercase letters, digits and hyphens, got '${props.domainPrefix}'`,
      );
    }

    // --- sign-in ---
    this.userPool = new cognito.UserPool(this, 'Operators', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: false } },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Threat protection (advanced security) needs the Plus feature plan, billed per active user; operators are created by an administrator (no self sign-up), must use TOTP MFA, and every decision they make is checked again by Cedar and recorded in the hash-chained audit trail.',
    );
    this.userPoolDomain = this.userPool.addDomain('SignIn', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? `lumos-${props.stage}-${Aws.ACCOUNT_ID}` },
    });

    // --- static files ---
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ id: 'ExpireOldVersions', noncurrentVersionExpiration: Duration.days(30) }],
      ...(props.accessLogsBucket
        ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'console/' }
        : {}),
      removalPolicy,
    });
    if (!props.accessLogsBucket) {
      acknowledge(
        this.bucket,
        'AwsSolutions-S1',
        'The console bucket holds only the public console files (no data) and is read only by CloudFront through origin access control; pass accessLogsBucket to log its requests anyway.',
      );
    }

    // --- the operator API ---
    this.accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      encryptionKey: props.logEncryptionKey,
      removalPolicy,
    });
    this.operatorApi = new apigw.RestApi(this, 'OperatorApi', {
      description: `Lumos ${stack.stackName}: the operator console's API (Cognito sign-in)`,
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        throttlingRateLimit: props.throttlingRateLimit ?? 20,
        throttlingBurstLimit: props.throttlingBurstLimit ?? 40,
        dataTraceEnabled: false,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
      },
    });
    for (const [gatewayId, type] of [
      ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
      ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
    ] as const) {
      this.operatorApi.addGatewayResponse(gatewayId, {
        type,
        templates: {
          'application/json': '{"error":{"code":"$context.error.responseType","message":$context.error.messageString}}',
        },
      });
    }
    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      resultsCacheTtl: Duration.minutes(5),
    });
    const validator = this.operatorApi.addRequestValidator('ParameterValidator', {
      validateRequestParameters: true,
      // No method has a body model, so body validation checks nothing; it is on so the validator is complete.
      validateRequestBody: true,
    });
    const methods: Record<string, apigw.Method> = {};
    for (const { handler, routes } of props.handlers) {
      const integration = new apigw.LambdaIntegration(handler, { proxy: true, allowTestInvoke: false });
      for (const route of routes) {
        if (route.auth === 'signature') continue;
        const key = `${route.method} ${route.path}`;
        const requestParameters: Record<string, boolean> = {};
        for (const [, name] of route.path.matchAll(/\{([^}]+)\}/g))
          requestParameters[`method.request.path.${name}`] = true;
        const method = this.operatorApi.root.resourceForPath(route.path).addMethod(route.method, integration, {
          requestValidator: validator,
          requestParameters,
          ...(route.auth === 'iam'
            ? { authorizer: this.authorizer, authorizationType: apigw.AuthorizationType.COGNITO }
            : { authorizationType: apigw.AuthorizationType.NONE }),
        });
        if (route.auth === 'token') {
          acknowledge(
            method,
            'AwsSolutions-APIG4',
            `${key} is opened from an approval link a person received; the handler accepts only a single-use, signed, expiring token bound to the approver and the exact action.`,
          );
          acknowledge(
            method,
            'AwsSolutions-COG4',
            `${key} authenticates by the approval link's signed single-use token in the handler, so an approver can decide from their message without a console session.`,
          );
        }
        methods[key] = method;
      }
    }
    this.methods = methods;
    acknowledge(
      this.operatorApi.deploymentStage,
      'AwsSolutions-APIG3',
      'No WAFv2 web ACL on the operator API: it is reached through CloudFront, every data route needs a Cognito ID token, approval routes a signed single-use token, and the stage is throttled.',
    );
    acknowledge(
      this.operatorApi.deploymentStage,
      'AwsSolutions-APIG6',
      "Execution logging needs the account-wide API Gateway CloudWatch role, a per-region singleton that two stages in one account must not both own; JSON access logs, X-Ray traces and the handlers' own logs cover each request.",
    );

    // --- CloudFront: console files and the operator API on one origin ---
    const signInOrigin = this.userPoolDomain.baseUrl();
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment:
        'Lumos console: CSP (this origin and the sign-in domain only), HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ${signInOrigin}; base-uri 'none'; form-action 'self' ${signInOrigin}; frame-ancestors 'none'`,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
      },
    });
    // The Authorization header reaches the API only through the cache key; answers carry `no-store`, so nothing
    // is actually cached.
    const apiCachePolicy = new cloudfront.CachePolicy(this, 'ApiCachePolicy', {
      comment: 'Lumos operator API: forward the Cognito token and the query string, cache nothing',
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
    });
    const apiOrigin = new origins.RestApiOrigin(this.operatorApi);
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachePolicy: apiCachePolicy,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: headers,
    };
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Lumos ${stack.stackName} operator console`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'IndexRewrite', {
              code: cloudfront.FunctionCode.fromInline(INDEX_REWRITE),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Lumos console: / and /console serve /console/index.html',
            }),
          },
        ],
      },
      additionalBehaviors: Object.fromEntries(API_PATH_PATTERNS.map((pattern) => [pattern, apiBehavior])),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Operators work from wherever incidents find them; sign-in (Cognito with MFA) and the authorizer, not geography, decide who gets in.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAFv2 web ACL: the distribution serves static console files and forwards API calls that API Gateway rejects without a valid Cognito token; a web ACL (about $5 a month plus rules) is a stage-level choice for later.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'CloudFront standard logs need an ACL-enabled bucket, which the account keeps disabled; every API call is logged by the operator API (JSON access logs with the Cognito user) and the static files carry no data.',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'Served on the default *.cloudfront.net certificate, for which CloudFront fixes the security policy; HTTPS is enforced for every behavior, and a custom domain with a TLSv1.2_2021 policy is a stage-level choice.',
    );

    this.userPoolClient = this.userPool.addClient('Console', {
      generateSecret: false,
      authFlows: {},
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [this.url],
        logoutUrls: [this.url],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
    });

    // --- the files ---
    const consoleDir = props.consoleDir ?? CONSOLE_DIR;
    const deployment = new s3deploy.BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: 'console/',
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
      memoryLimit: 256,
      logGroup: new logs.LogGroup(this, 'DeploymentLogs', {
        retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
        encryptionKey: props.logEncryptionKey,
        removalPolicy,
      }),
      sources: [
        s3deploy.Source.asset(consoleDir, {
          // Built with the local esbuild (no Docker); the image is the fallback where esbuild is missing.
          bundling: {
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
            command: ['sh', '-c', 'echo "build the console with the project esbuild: npm ci first" && exit 1'],
            local: {
              tryBundle(outputDir: string) {
                for (const [name, asset] of buildConsoleSync()) writeFileSync(join(outputDir, name), asset.body);
                return true;
              },
            },
          },
        }),
        s3deploy.Source.jsonData('config.json', {
          apiBase: '',
          stage: props.stage,
          auth: {
            type: 'cognito',
            domain: signInOrigin,
            clientId: this.userPoolClient.userPoolClientId,
            redirectUri: this.url,
          },
          notifications: false,
        }),
      ],
    });
    acknowledgeBucketDeployment(this, deployment);
  }

  /** Where operators open the console, e.g. `https://d111111abcdef8.cloudfront.net/console/`. */
  public get url(): string {
    return `https://${this.distribution.distributionDomainName}/console/`;
  }
}

/**
 * CDK's BucketDeployment runs a provider function of its own (a stack-wide singleton): it copies the files at
 * deployment time and nothing else invokes it. Its managed-policy and wildcard findings are acknowledged one by one
 * on that provider, from the statements CDK gave its role.
 */
function acknowledgeBucketDeployment(scope: Construct, deployment: s3deploy.BucketDeployment): void {
  const provider = Stack.of(scope).node.children.find((child: IConstruct) =>
    child.node.id.startsWith('Custom::CDKBucketDeployment'),
  );
  if (!provider) return;
  acknowledge(
    provider,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "CDK's BucketDeployment provider writes its own logs with the AWS managed basic execution policy; it runs only while CloudFormation deploys the console files.",
  );
  const deployOnly: Record<string, string> = {
    'AwsSolutions-L1':
      "CDK's BucketDeployment provider pins the Python runtime its AWS CLI layer is built for; it runs only during deployments.",
    'Serverless-LambdaLatestVersion':
      "CDK's BucketDeployment provider pins the Python runtime its AWS CLI layer is built for; it runs only during deployments.",
    'Serverless-LambdaDLQ':
      "CloudFormation invokes CDK's BucketDeployment provider synchronously and reports a failure as a failed deployment; there is no asynchronous event to dead-letter.",
    'Serverless-LambdaTracing':
      "CDK's BucketDeployment provider runs only while CloudFormation deploys the console files; its outcome is the stack event, not a request worth tracing.",
  };
  for (const [rule, reason] of Object.entries(deployOnly)) acknowledge(provider, rule, reason);
  const policy = deployment.handlerRole.node.tryFindChild('DefaultPolicy') as iam.Policy | undefined;
  const statements =
    (
      policy?.document.toJSON() as
        | { Statement?: { Action?: string | string[]; Resource?: string | string[] }[] }
        | undefined
    )?.Statement ?? [];
  const findings = new Set<string>();
  for (const statement of statements) {
    for (const action of ([] as string[]).concat(statement.Action ?? []))
      if (action.includes('*')) findings.add(iamWildcardActionFinding(action));
    for (const resource of ([] as string[]).concat(statement.Resource ?? [])) {
      if (
        Stack.of(scope).resolve(resource) === '*' ||
        JSON.stringify(Stack.of(scope).resolve(resource)).includes('*')
      ) {
        findings.add(iamWildcardResourceFinding(scope, resource));
      }
    }
  }
  for (const finding of findings) {
    acknowledge(
      provider,
      finding,
      "CDK's BucketDeployment provider copies the console files from the CDK asset bucket into the console bucket (object-level wildcards on those two buckets) and invalidates the distribution (CloudFront takes no resource-level ARN for that); it runs only during deployments.",
    );
  }
}
