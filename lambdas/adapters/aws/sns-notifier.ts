import { randomUUID } from 'node:crypto';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../../ports/notifier';

/**
 * Publishes notifications to one SNS topic; subscriptions (e-mail, AWS Chatbot for Slack/Teams, paging) fan them
 * out by the `channel` and `recipient` message attributes.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly topicArn: string,
    private readonly client: SNSClient = new SNSClient({}),
  ) {}

  async send(notification: Notification): Promise<{ notificationId: string }> {
    const notificationId = randomUUID();
    const links = (notification.links ?? []).map((link) => `${link.rel}: ${link.href}`).join('\n');
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: (notification.subject ?? 'Lumos').slice(0, 100),
        Message: links ? `${notification.text}\n\n${links}` : notification.text,
        MessageAttributes: {
          channel: { DataType: 'String', StringValue: notification.channel },
          recipient: { DataType: 'String', StringValue: notification.recipient },
          notificationId: { DataType: 'String', StringValue: notificationId },
        },
      }),
    );
    return { notificationId };
  }
}
