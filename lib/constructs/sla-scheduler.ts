import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, iamWildcardResourceFinding } from '../compliance/nag-findings';

/** Properties of {@link SlaScheduler}. */
export interface SlaSchedulerProps {
  /** The function every timer invokes (GovernanceTimer). */
  readonly target: lambda.IFunction;
  /** What happens to the schedule group and dead-letter queue when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * One-time timers for SLA clocks and approval deadlines on EventBridge Scheduler: a schedule group of the stage's
 * own (so stages never share schedule names), the role Scheduler assumes to invoke the timer function and
 * nothing else, and an encrypted dead-letter queue for invocations Scheduler could not deliver. The application
 * creates `at()` schedules in the group at run time; each deletes itself after firing.
 */
export class SlaScheduler extends Construct {
  public readonly group: scheduler.ScheduleGroup;
  /** Assumed by EventBridge Scheduler; may invoke exactly the timer function and write to the dead-letter queue. */
  public readonly invokeRole: iam.Role;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: SlaSchedulerProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.group = new scheduler.ScheduleGroup(this, 'Group', { removalPolicy });
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy,
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      "This queue is the dead-letter queue of the stage's EventBridge Scheduler timers (set on every schedule's target at run time); a dead-letter queue needs none of its own.",
    );
    acknowledge(
      this.deadLetterQueue,
      'Serverless-SQSRedrivePolicy',
      'A dead-letter queue is the end of the redrive chain: undeliverable timer invocations rest here for inspection and replay.',
    );
    const account = Stack.of(this).account;
    this.invokeRole = new iam.Role(this, 'InvokeRole', {
      description: 'EventBridge Scheduler invokes the Lumos governance timer function',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    });
    this.invokeRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.target.functionArn] }),
    );
    this.deadLetterQueue.grantSendMessages(this.invokeRole);
  }

  /** The schedule group name, for `SCHEDULE_GROUP_NAME`. */
  public get groupName(): string {
    return this.group.scheduleGroupName;
  }

  /**
   * Lets `grantee` create, update and delete schedules in this group (and pass the invoke role to them). The
   * schedule names are chosen at run time, per incident and approval, so the grant covers the group's schedules.
   */
  public grantManageTimers(grantee: iam.IGrantable): iam.Grant {
    const grant = this.group
      .grantWriteSchedules(grantee)
      .combine(this.group.grantDeleteSchedules(grantee))
      .combine(this.invokeRole.grantPassRole(grantee.grantPrincipal));
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) {
      const schedules = Stack.of(this).formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${this.group.scheduleGroupName}/*`,
      });
      acknowledge(
        principal,
        iamWildcardResourceFinding(this, schedules),
        "Timers are one-time schedules named per incident and approval at run time; the grant covers only this stage's schedule group.",
      );
    }
    return grant;
  }
}
