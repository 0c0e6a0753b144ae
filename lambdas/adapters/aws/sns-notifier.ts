import { randomUUID } from 'node:crypto';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../../ports/notifier';
import { type LazyClient, lazyClient } from './lazy-client';

const sns = () => import('@aws-sdk/client-sns');

/**
 * Publishes notifications to one SNS topic; subscriptions (e-mail, AWS Chatbot for Slack/Teams, paging) fan them
 * out by the `channel` and `recipient` message attributes.
 */
export class SnsNotifier implements Notifier {
  private readonly client: LazyClient<SNSClient>;

  /** Without `client`, the SNS client package is loaded on the first notification. */
  constructor(
    private readonly topicArn: string,
    client?: SNSClient,
  ) {
    this.client = lazyClient(client, async () => new (await sns()).SNSClient({}));
  }

  async send(notification: Notification): Promise<{ notificationId: string }> {
    const notificationId = randomUUID();
    const links = (notification.links ?? []).map((link) => `${link.rel}: ${link.href}`).join('\n');
    const [{ PublishCommand }, client] = await Promise.all([sns(), this.client()]);
    await client.send(
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
