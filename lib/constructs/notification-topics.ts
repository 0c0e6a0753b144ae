import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Properties of {@link NotificationTopics}. */
export interface NotificationTopicsProps {
  /** Customer-managed key both topics are encrypted with; its policy must let CloudWatch alarms use it. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The two ways Lumos reaches people. `notifications` carries what the agents send (approval requests, escalations,
 * flags for a human) with `channel`/`recipient` message attributes for subscription filters (e-mail, AWS Chatbot,
 * paging). `operatorAlerts` carries CloudWatch alarms about Lumos itself. Both are KMS-encrypted and TLS-only;
 * subscriptions are added per installation, outside this stack.
 */
export class NotificationTopics extends Construct {
  /** Messages from the agents to people. */
  public readonly notifications: sns.Topic;
  /** Alarms about Lumos itself, for its operators. */
  public readonly operatorAlerts: sns.Topic;
  /** Alarm action that publishes to {@link operatorAlerts}. */
  public readonly operatorAlarmAction: cloudwatchActions.SnsAction;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: NotificationTopicsProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.notifications = new sns.Topic(this, 'Notifications', {
      displayName: 'Lumos notifications',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.operatorAlerts = new sns.Topic(this, 'OperatorAlerts', {
      displayName: 'Lumos operator alerts',
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.operatorAlarmAction = new cloudwatchActions.SnsAction(this.operatorAlerts);
  }

  /** The notifications topic ARN, for `NOTIFICATIONS_TOPIC_ARN`. */
  public get notificationsTopicArn(): string {
    return this.notifications.topicArn;
  }

  /**
   * Lets `grantee` publish to the notifications topic: `sns:Publish` on it, and the two KMS actions SNS performs
   * with the publisher's credentials (GenerateDataKey, Decrypt) on its key, named exactly instead of
   * `topic.grantPublish`'s `kms:GenerateDataKey*`.
   */
  public grantPublishNotifications(grantee: iam.IGrantable): iam.Grant {
    const publish = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sns:Publish'],
      resourceArns: [this.notifications.topicArn],
    });
    const key = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
    });
    return publish.combine(key);
  }
}
