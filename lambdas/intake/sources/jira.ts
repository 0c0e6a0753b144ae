import * as z from 'zod';
import type { Signal } from '../../core/incident';
import { priorityFromName } from '../../core/priority-matrix';
import {
  firstLine,
  IdLike,
  isoTime,
  names,
  originOf,
  type ParseContext,
  type ParseOutcome,
  plainText,
  type SourceParser,
  validate,
} from './source';

const User = z
  .looseObject({
    accountId: z.string().nullish(),
    name: z.string().nullish(),
    key: z.string().nullish(),
    emailAddress: z.string().nullish(),
    displayName: z.string().nullish(),
  })
  .nullish();
type User = z.infer<typeof User>;

const Named = z.looseObject({ name: z.string().nullish(), id: IdLike.nullish() }).nullish();

const Fields = z.looseObject({
  summary: z.string().nullish(),
  /** Text (REST v2, wiki markup) or an Atlassian Document Format tree (REST v3). */
  description: z.unknown().optional(),
  priority: Named,
  status: z
    .looseObject({
      name: z.string().nullish(),
      statusCategory: z.looseObject({ key: z.string().nullish(), name: z.string().nullish() }).nullish(),
    })
    .nullish(),
  resolution: Named,
  issuetype: Named,
  project: z.looseObject({ key: z.string().nullish(), name: z.string().nullish() }).nullish(),
  components: z.array(Named).nullish(),
  labels: z.array(z.string()).nullish(),
  reporter: User,
  creator: User,
  created: z.string().nullish(),
  updated: z.string().nullish(),
});

const Issue = z.looseObject({
  id: IdLike,
  key: z.string().trim().min(1),
  self: z.string().nullish(),
  fields: Fields.nullish(),
});

const ChangeItem = z.looseObject({
  field: z.string().nullish(),
  fieldId: z.string().nullish(),
  fromString: z.string().nullish(),
  toString: z.string().nullish(),
});

const Envelope = z.looseObject({ webhookEvent: z.string().trim().min(1) });

const IssueWebhook = z.looseObject({
  webhookEvent: z.string(),
  timestamp: z.number().finite().nullish(),
  issue_event_type_name: z.string().nullish(),
  user: User,
  issue: Issue,
  changelog: z.looseObject({ id: IdLike.nullish(), items: z.array(ChangeItem).nullish() }).nullish(),
  comment: z
    .looseObject({ id: IdLike.nullish(), body: z.unknown().optional(), author: User, updateAuthor: User })
    .nullish(),
});

/** Issue events Lumos acts on; others (sprints, projects, worklogs, ...) are acknowledged and ignored. */
const ISSUE_EVENTS = new Set([
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'comment_created',
  'comment_updated',
]);

/** Changelog fields that change what an incident is about; others (rank, sprint, time tracking) are noise. */
const TRACKED_FIELDS = new Set([
  'priority',
  'status',
  'resolution',
  'summary',
  'description',
  'assignee',
  'labels',
  'component',
  'components',
  'issuetype',
  'severity',
]);

/** Jira Service Management's workflow status for requests that await the customer's reply. */
const WAITING_FOR_CUSTOMER = /^waiting for customer$/i;

const DONE_NAMES = /^(done|resolved|closed|cancel+ed|won'?t (do|fix)|duplicate|declined)$/i;

/** The site's base URL from an API link (`https://jira.example.com/jira/rest/api/2/issue/1` keeps `/jira`). */
function jiraBase(link: string | null | undefined): string | undefined {
  const origin = originOf(link);
  if (!origin || !link) return undefined;
  const path = new URL(link).pathname.split('/rest/')[0]!.replace(/\/$/, '');
  return `${origin}${path}`;
}

const identities = (user: User): string[] =>
  names(user?.accountId, user?.name, user?.key, user?.emailAddress, user?.displayName);

/**
 * Jira Cloud and Data Center issue webhooks (`jira:issue_created`, `jira:issue_updated` with its changelog,
 * `jira:issue_deleted`, comment events). A status in the Done category (or a resolution) resolves; priority and
 * status changes update. Links back use the issue's own `self` host, so Cloud and Data Center both work.
 */
export const jiraParser: SourceParser = {
  source: 'jira',
  auth: { kind: 'hmac-sha256-hex', header: 'x-hub-signature' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    const { webhookEvent } = validate(Envelope, body, 'Jira webhook');
    if (!ISSUE_EVENTS.has(webhookEvent)) return { ignored: `Jira event '${webhookEvent}' is not an issue change` };
    const event = validate(IssueWebhook, body, 'Jira webhook');
    const { issue } = event;
    const fields = issue.fields ?? {};
    const changes = (event.changelog?.items ?? []).filter((item) =>
      TRACKED_FIELDS.has((item.fieldId ?? item.field ?? '').toLowerCase()),
    );
    const changed = names(changes.map((c) => (c.fieldId ?? c.field ?? '').toLowerCase()));
    const noteText = event.comment ? plainText(event.comment.body).trim() : '';

    const statusName = fields.status?.name ?? '';
    const done =
      fields.status?.statusCategory?.key?.toLowerCase() === 'done' ||
      DONE_NAMES.test(statusName.trim()) ||
      Boolean(fields.resolution?.name);
    let action: Signal['action'];
    if (webhookEvent === 'jira:issue_deleted') action = 'resolve';
    else if (webhookEvent === 'jira:issue_created') action = 'create';
    else if (done) action = 'resolve';
    else if (changes.length > 0 || noteText) action = 'update';
    else
      return {
        ignored: `Jira ${issue.key}: no change Lumos tracks (${names(event.changelog?.items?.map((i) => i.field)).join(', ') || 'none'})`,
      };

    const base = jiraBase(issue.self) ?? jiraBase(process.env.JIRA_BASE_URL);
    const host = base ? new URL(base).host : 'jira';
    const priorityName = fields.priority?.name ?? undefined;
    const components = names((fields.components ?? []).map((c) => c?.name));
    const labels: Record<string, string> = { jiraEvent: webhookEvent };
    if (fields.project?.key) labels.project = fields.project.key;
    if (fields.issuetype?.name) labels.issueType = fields.issuetype.name;
    if (statusName) labels.status = statusName;
    if (priorityName) labels.jiraPriority = priorityName;
    if (changed.length) labels.changed = changed.join(',');
    if (components.length) labels.components = components.join(',');

    const description = plainText(fields.description).trim();
    const actor = event.user ?? event.comment?.updateAuthor ?? event.comment?.author;
    const reporter = fields.reporter ?? fields.creator;
    const signal: Signal = {
      source: 'jira',
      kind: 'ticket',
      action,
      deliveryId: `jira:${host}:${issue.id}:${webhookEvent}:${event.changelog?.id ?? ''}:${event.comment?.id ?? ''}:${event.timestamp ?? fields.updated ?? ''}`,
      fingerprint: `jira:${host}:${issue.id}`,
      externalId: issue.key,
      externalUrl: base ? `${base}/browse/${encodeURIComponent(issue.key)}` : undefined,
      title: firstLine(fields.summary ?? undefined) ?? firstLine(description) ?? `Jira issue ${issue.key}`,
      description,
      service: components[0],
      serviceHints: names(components, fields.labels ?? [], fields.project?.key, fields.project?.name),
      severity: { priority: priorityFromName(priorityName), label: priorityName?.toLowerCase() },
      reporter: reporter?.displayName ?? reporter?.name ?? reporter?.emailAddress ?? reporter?.accountId ?? undefined,
      occurredAt: isoTime(event.timestamp ?? fields.updated ?? fields.created, context.receivedAt),
      labels,
      changedBy: identities(actor),
      changeNote: noteText || undefined,
      waitingOn: statusName.trim() ? (WAITING_FOR_CUSTOMER.test(statusName.trim()) ? 'customer' : 'none') : undefined,
    };
    return { signals: [signal] };
  },
};
