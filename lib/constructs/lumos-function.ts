import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';
import { BUNDLE_SETTINGS, bundleExternals, requireRuntimeSdkCommand } from './function-bundling';

/** A file a bundled dependency reads from disk next to the bundle; esbuild cannot inline it. */
export interface RuntimeFile {
  /** Copied only into bundles whose code contains this string (usually the file name the library reads). */
  readonly whenBundleMentions: string;
  /** Path relative to the project root (where `package-lock.json` is). */
  readonly source: string;
}

/** Files known dependencies load at run time; each goes only into the bundles that reference it. */
export const DEFAULT_RUNTIME_FILES: readonly RuntimeFile[] = [
  // Cedar policy evaluation (governance): the Node.js build instantiates its WebAssembly from this file.
  {
    whenBundleMentions: 'cedar_wasm_bg.wasm',
    source: 'node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm_bg.wasm',
  },
];

const shellQuote = (value: string): string => `'${value.replace(/'/g, "'\\''")}'`;

/** Properties of {@link LumosFunction}. */
export interface LumosFunctionProps {
  /** Absolute path of the handler module; it must export `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`), also used in logs, metrics and traces. */
  readonly serviceName: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Retention of the function's log group. @default logs.RetentionDays.TWO_WEEKS */
  readonly logRetention?: logs.RetentionDays;
  /** Key that encrypts the log group and nothing else here. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** What happens to the log group and dead-letter queue when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Extra environment variables (the construct sets POWERTOOLS_* and NODE_OPTIONS itself). @default - none */
  readonly environment?: Record<string, string>;
  /** CloudWatch metrics namespace for Powertools Metrics (`POWERTOOLS_METRICS_NAMESPACE`). @default 'Lumos' */
  readonly metricsNamespace?: string;
  /** Powertools log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Caps concurrent executions, e.g. to protect a downstream API. @default - the account's unreserved pool */
  readonly reservedConcurrentExecutions?: number;
  /** Files copied next to the bundle when its code references them. @default DEFAULT_RUNTIME_FILES */
  readonly runtimeFiles?: readonly RuntimeFile[];
  /**
   * Modules left out of the bundle besides the AWS SDK the runtime provides (they must then come from a layer).
   * @default - only the runtime's AWS SDK (`@aws-sdk/*`, `@smithy/*`) is left out
   */
  readonly externalModules?: string[];
  /**
   * Where CloudWatch sends this function's alarms (dead-letter messages). @default - no alarm is created
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Dead-letter messages that raise the alarm. @default 1 */
  readonly deadLetterAlarmThreshold?: number;
}

/**
 * The one way Lumos builds a Lambda function: Node.js 24 on ARM64, X-Ray tracing, an explicit log group with
 * retention, esbuild bundling (minified, source maps, ESM, the runtime's AWS SDK left out), its own IAM role with no managed policies, and an
 * encrypted SQS dead-letter queue for asynchronous invocations. Grants on it are exact: no `:*` version wildcards.
 */
export class LumosFunction extends Construct {
  /** The Lambda function. */
  public readonly function: nodejs.NodejsFunction;
  /** The execution role: CloudWatch Logs for its own log group, X-Ray, the DLQ, plus whatever is granted later. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** Receives asynchronous invocations that failed after Lambda's retries (encrypted, TLS-only, 14 days). */
  public readonly deadLetterQueue: sqs.Queue;
  /** Raised when messages land in the dead-letter queue; undefined without `alarmAction`. */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LumosFunctionProps) {
    super(scope, id);
    if (!props.entry.startsWith('/'))
      throw new Error(`LumosFunction ${id}: entry must be an absolute path, got '${props.entry}'`);
    if (!/^[a-z][a-z0-9-]*$/.test(props.serviceName)) {
      throw new Error(`LumosFunction ${id}: serviceName must be kebab-case, got '${props.serviceName}'`);
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const runtimeFiles = props.runtimeFiles ?? DEFAULT_RUNTIME_FILES;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      encryptionKey: props.logEncryptionKey,
      removalPolicy,
    });

    // A role of our own instead of AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Lumos ${id} function`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogGroup',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'Serverless-SQSRedrivePolicy',
      `This queue is itself the dead-letter queue of ${id}'s asynchronous invocations; nothing consumes it automatically, so a redrive policy would have nothing to catch. Messages stay 14 days and raise an alarm.`,
    );

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'Lumos',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: BUNDLE_SETTINGS.target,
        mainFields: [...BUNDLE_SETTINGS.mainFields],
        banner: BUNDLE_SETTINGS.banner,
        minify: BUNDLE_SETTINGS.minify,
        sourceMap: true,
        sourcesContent: false,
        // The runtime's AWS SDK is used: bundling our own copy made every bundle 300-600 KiB larger and slower to load.
        externalModules: bundleExternals(props.externalModules),
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => [
            requireRuntimeSdkCommand(`${outputDir}/index.mjs`),
            ...runtimeFiles.map(
              (file) =>
                `if grep -qF ${shellQuote(file.whenBundleMentions)} ${shellQuote(`${outputDir}/index.mjs`)}; then cp ${shellQuote(`${inputDir}/${file.source}`)} ${shellQuote(`${outputDir}/`)}; fi`,
            ),
          ],
        },
      },
    });

    // X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions; Tracing.ACTIVE adds them on '*'.
    acknowledge(
      this.role,
      iamWildcardResourceFinding(this, '*'),
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so active tracing needs Resource "*"; it is the only wildcard this role gets by default.',
    );

    if (props.alarmAction) {
      this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLetterAlarm', {
        alarmDescription: `Lumos ${Stack.of(this).stackName}: asynchronous invocations of ${id} failed for good and wait in its dead-letter queue`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: props.deadLetterAlarmThreshold ?? 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.deadLetterAlarm.addAlarmAction(props.alarmAction);
    }
  }

  /** The unqualified function ARN. */
  public get functionArn(): string {
    return this.function.functionArn;
  }

  /** Sets one environment variable; used by the grant helpers so a permission and its address always travel together. */
  public addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }

  /**
   * Lets `grantee` invoke exactly this function's unqualified ARN. Unlike `IFunction.grantInvoke`, it adds no
   * `<arn>:*` statement, because Lumos never invokes versions or aliases.
   */
  public grantInvokeExactly(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.function.functionArn],
    });
  }

  /**
   * Lets this function call one Bedrock foundation model (InvokeModel and Converse) and tells it which one in
   * `envName`. Scoped to that model's ARN in the stack's region.
   */
  public allowBedrockModel(modelId: string, envName = 'BEDROCK_MODEL_ID'): this {
    const modelArn = Stack.of(this).formatArn({
      service: 'bedrock',
      account: '',
      resource: 'foundation-model',
      resourceName: modelId,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeOneBedrockModel',
        actions: ['bedrock:InvokeModel'],
        resources: [modelArn],
      }),
    );
    return this.addEnvironment(envName, modelId);
  }
}
