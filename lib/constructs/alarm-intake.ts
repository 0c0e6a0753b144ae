import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The CloudWatch alarm events Lumos turns into incidents (and recoveries into resolutions). */
export const ALARM_DETAIL_TYPES = [
  'CloudWatch Alarm State Change',
  'CloudWatch Alarm Contributor State Change',
] as const;

/** Properties of {@link AlarmIntake}. */
export interface AlarmIntakeProps {
  /** The AlarmIntake function; EventBridge invokes it asynchronously with one event. */
  readonly handler: lambda.IFunction;
  /**
   * Receives events EventBridge could not deliver after its retries. Sharing the function's own async
   * dead-letter queue keeps every alarm that never became an incident in one place.
   */
  readonly deadLetterQueue: sqs.IQueue;
  /** Delivery retries before an event goes to the dead-letter queue. @default 8 */
  readonly retryAttempts?: number;
  /** Oldest event EventBridge still retries. @default Duration.hours(1) */
  readonly maxEventAge?: Duration;
  /**
   * Alarm names starting with this prefix are ignored, so Lumos's own operational alarms page its operators
   * instead of becoming incidents that a failing Lumos would then handle. @default `<stack name>-`
   */
  readonly ignoreAlarmNamePrefix?: string;
  /**
   * Partner event buses (`aws.partner/zendesk.com/...`) whose Zendesk Support ticket events also go to the
   * function, with the same retries and dead-letter queue. @default none
   */
  readonly zendeskPartnerEventBuses?: readonly string[];
}

/**
 * Routes CloudWatch alarm state changes from the account's default event bus to the AlarmIntake function, with a
 * retry policy and a dead-letter queue.
 */
export class AlarmIntake extends Construct {
  /** The EventBridge rule on the default bus. */
  public readonly rule: events.Rule;
  /** One rule per Zendesk partner event bus. */
  public readonly partnerRules: events.Rule[];

  constructor(scope: Construct, id: string, props: AlarmIntakeProps) {
    super(scope, id);
    // CloudFormation names alarms without an explicit name `<stack name>-<logical id>-<suffix>`.
    const ownAlarmPrefix = props.ignoreAlarmNamePrefix ?? `${Stack.of(this).stackName}-`;
    this.rule = new events.Rule(this, 'Rule', {
      description: 'CloudWatch alarm state changes become Lumos incidents (recoveries resolve them)',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: [...ALARM_DETAIL_TYPES],
        detail: { alarmName: events.Match.anythingButPrefix(ownAlarmPrefix) },
      },
    });
    const target = () =>
      new targets.LambdaFunction(props.handler, {
        retryAttempts: props.retryAttempts ?? 8,
        maxEventAge: props.maxEventAge ?? Duration.hours(1),
        deadLetterQueue: props.deadLetterQueue,
      });
    this.rule.addTarget(target());
    this.partnerRules = (props.zendeskPartnerEventBuses ?? []).map((busName, i) => {
      const rule = new events.Rule(this, `ZendeskPartnerRule${i}`, {
        description: 'Zendesk Support ticket events from the partner event bus become Lumos incidents or updates',
        eventBus: events.EventBus.fromEventBusName(this, `ZendeskPartnerBus${i}`, busName),
        eventPattern: { source: events.Match.prefix('aws.partner/zendesk.com') },
      });
      rule.addTarget(target());
      return rule;
    });
  }
}
