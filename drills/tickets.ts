import { createHmac } from 'node:crypto';
import type { ScenarioTicket } from './scenario';

/**
 * Tickets as each ITSM tool's webhook delivers them, signed the way Lumos checks each source. Pure: the harness
 * seeds the same ticket in the contract server (which Lumos writes back to) and posts the webhook.
 */

/** A webhook request for Lumos: route, body and headers. */
export interface WebhookDelivery {
  path: string;
  body: string;
  headers: Record<string, string>;
}

const hmacHex = (secret: string, text: string) => `sha256=${createHmac('sha256', secret).update(text).digest('hex')}`;

/** ServiceNow date-time (`2026-12-03 10:04:05`, UTC). */
const snowTime = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');

const JIRA_PRIORITY = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const ZENDESK_PRIORITY = ['urgent', 'high', 'normal', 'low', 'low'];

/** ITIL priority from impact x urgency (1 high .. 3 low): P1..P5. */
export function itilPriority(impact: number, urgency: number): number {
  return Math.min(5, impact + urgency - 1);
}

/** Identifiers of a drill ticket in its tool. */
export interface TicketIds {
  /** ServiceNow sys_id, Jira issue id, Zendesk ticket id. */
  id: string;
  /** ServiceNow number, Jira key, Zendesk id. */
  number: string;
}

/** The creation webhook for a scenario ticket (`modCount` > 0: an update carrying a new requester comment). */
export function ticketWebhook(
  ticket: ScenarioTicket,
  ids: TicketIds,
  secret: string,
  at: Date,
  update?: { modCount: number; comment: string },
): WebhookDelivery {
  const priority = itilPriority(ticket.impact, ticket.urgency);
  if (ticket.source === 'servicenow') {
    const body = JSON.stringify({
      result: {
        sys_id: ids.id,
        number: ids.number,
        short_description: ticket.title,
        description: ticket.description,
        impact: String(ticket.impact),
        urgency: String(ticket.urgency),
        priority: String(priority),
        state: '1',
        category: ticket.category ?? (ticket.type === 'request' ? 'request' : 'inquiry'),
        ...(ticket.ci ? { cmdb_ci: ticket.ci } : {}),
        caller_id: ticket.caller,
        sys_mod_count: String(update?.modCount ?? 0),
        sys_created_on: snowTime(at),
        sys_updated_on: snowTime(at),
        sys_updated_by: ticket.caller,
        ...(update ? { comments: update.comment } : {}),
      },
    });
    return { path: '/webhooks/servicenow', body, headers: { 'X-Lumos-Signature': hmacHex(secret, body) } };
  }
  if (ticket.source === 'jira') {
    const body = JSON.stringify({
      webhookEvent: 'jira:issue_created',
      timestamp: at.getTime(),
      user: { accountId: `drill-${ticket.caller}`, emailAddress: ticket.caller },
      issue: {
        id: ids.id,
        key: ids.number,
        self: `https://acme.atlassian.net/rest/api/3/issue/${ids.id}`,
        fields: {
          summary: ticket.title,
          description: ticket.description,
          priority: { name: JIRA_PRIORITY[priority - 1] },
          status: { name: 'To Do', statusCategory: { key: 'new' } },
          issuetype: { name: ticket.type === 'request' ? 'Service Request' : 'Incident' },
          project: { key: ids.number.split('-')[0] },
          reporter: { accountId: `drill-${ticket.caller}`, emailAddress: ticket.caller },
          ...(ticket.ci ? { components: [{ name: ticket.ci }] } : {}),
        },
      },
    });
    return { path: '/webhooks/jira', body, headers: { 'X-Hub-Signature': hmacHex(secret, body) } };
  }
  const now = at.toISOString();
  const body = JSON.stringify({
    ticket: {
      id: Number(ids.id),
      url: `https://acme.zendesk.com/api/v2/tickets/${ids.id}.json`,
      subject: ticket.title,
      description: ticket.description,
      priority: ZENDESK_PRIORITY[priority - 1],
      status: 'new',
      type: ticket.type === 'request' ? 'task' : 'incident',
      requester: { email: ticket.caller },
      created_at: now,
      updated_at: now,
    },
  });
  const timestamp = now;
  return {
    path: '/webhooks/zendesk',
    body,
    headers: {
      'X-Zendesk-Webhook-Signature': createHmac('sha256', secret)
        .update(timestamp + body)
        .digest('base64'),
      'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
    },
  };
}
