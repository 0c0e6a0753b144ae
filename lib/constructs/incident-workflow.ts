import { readFileSync } from 'node:fs';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';
import type { LumosFunction } from './lumos-function';

/** Properties of {@link IncidentWorkflow}. */
export interface IncidentWorkflowProps {
  /** Path of the ASL definition (JSONPath), read at synth. */
  readonly definitionFile: string;
  /**
   * The functions the definition may invoke, by substitution key (`${TriageFunctionArn}` -> `TriageFunctionArn`).
   * Every `${...}` in the definition must have one; the state machine may invoke those the definition references.
   */
  readonly functions: Readonly<Record<string, LumosFunction>>;
  /** Key that encrypts the execution log group. */
  readonly logEncryptionKey: kms.IKey;
  /** Retention of the execution log group. @default logs.RetentionDays.TWO_WEEKS */
  readonly logRetention?: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Where the failed-executions alarm goes. @default - the alarm has no action */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /** Failed, timed-out or aborted executions per period that raise the alarm. @default 1 */
  readonly failedExecutionsThreshold?: number;
  /** Alarm period. @default Duration.minutes(5) */
  readonly alarmPeriod?: Duration;
}

/** Thrown at synth when the definition references a substitution nobody provides. */
export class UnresolvedSubstitutionError extends Error {
  constructor(readonly keys: readonly string[]) {
    super(`The state machine definition references substitutions with no function: ${keys.join(', ')}`);
    this.name = 'UnresolvedSubstitutionError';
  }
}

/** The `${Name}` placeholders in an ASL definition, each once. */
export function substitutionKeysIn(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]))];
}

/**
 * The incident state machine: the ASL file as written (so the local runtime executes the same definition), its
 * function ARNs injected through DefinitionSubstitutions. STANDARD type (the human gate waits up to hours), all
 * events logged with execution data to an encrypted log group, X-Ray tracing, and an alarm on executions that
 * failed, timed out or were aborted, since those are incidents nobody is looking at.
 */
export class IncidentWorkflow extends Construct {
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** Execution history (level ALL, with execution data). */
  public readonly logGroup: logs.LogGroup;
  /** Raised by failed, timed-out or aborted executions. */
  public readonly failedExecutionsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: IncidentWorkflowProps) {
    super(scope, id);
    const definition = readFileSync(props.definitionFile, 'utf8');
    const referenced = substitutionKeysIn(definition);
    const missing = referenced.filter((key) => !(key in props.functions));
    if (missing.length > 0) throw new UnresolvedSubstitutionError(missing);

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: props.logRetention ?? logs.RetentionDays.TWO_WEEKS,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: Object.fromEntries(
        Object.entries(props.functions).map(([key, fn]) => [key, fn.functionArn]),
      ),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });

    // `fromString` hides the Task resources from CDK, so invoke permissions are explicit: exactly the functions the
    // definition references, even if more are offered.
    for (const key of referenced) props.functions[key].grantInvokeExactly(this.stateMachine);

    acknowledge(
      this.stateMachine.role,
      iamWildcardResourceFinding(this, '*'),
      'Resource "*" comes from two services without resource-level permissions: CloudWatch Logs vended log delivery (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) for execution logging, and X-Ray (xray:PutTraceSegments, ...) for tracing. Lambda invocation is granted per function ARN.',
    );

    const failures = new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: this.stateMachine.metricFailed({ statistic: cloudwatch.Stats.SUM }),
        timedOut: this.stateMachine.metricTimedOut({ statistic: cloudwatch.Stats.SUM }),
        aborted: this.stateMachine.metricAborted({ statistic: cloudwatch.Stats.SUM }),
      },
      label: 'Failed, timed-out or aborted executions',
      period: props.alarmPeriod ?? Duration.minutes(5),
    });
    this.failedExecutionsAlarm = new cloudwatch.Alarm(this, 'FailedExecutionsAlarm', {
      alarmDescription: `Lumos ${Stack.of(this).stackName}: an incident workflow failed, timed out or was aborted; its incident may have no owner`,
      metric: failures,
      threshold: props.failedExecutionsThreshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.failedExecutionsAlarm.addAlarmAction(props.alarmAction);
  }

  /**
   * Lets `grantee` start executions and look one up by ARN (the intake re-reads an execution when a redelivery's
   * name already exists). Execution ARNs are `<state machine>:<execution name>`, named per delivery at run time,
   * so DescribeExecution is on `execution:<name>:*`; that wildcard is acknowledged on the grantee.
   */
  public grantStartIncidentWorkflows(grantee: iam.IGrantable): iam.Grant {
    const start = this.stateMachine.grantStartExecution(grantee);
    const stack = Stack.of(this);
    const executionsArn = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const describe = iam.Grant.addToPrincipal({
      grantee,
      actions: ['states:DescribeExecution'],
      resourceArns: [executionsArn],
    });
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) {
      acknowledge(
        principal,
        iamWildcardResourceFinding(this, executionsArn),
        "DescribeExecution on this state machine's executions only; the execution name is derived from each delivery at run time, so it cannot be listed in advance.",
      );
    }
    return start.combine(describe);
  }

  /** The state machine ARN, for `STATE_MACHINE_ARN`. */
  public get stateMachineArn(): string {
    return this.stateMachine.stateMachineArn;
  }
}
