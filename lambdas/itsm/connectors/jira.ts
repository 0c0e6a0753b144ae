import type { Priority } from '../../core/incident';
import { AmbiguousWriteError, ItsmUnavailableError } from '../itsm-errors';
import type {
  ApplyOptions,
  CreateReceipt,
  ItsmConnector,
  TicketDraft,
  TicketPerson,
  TicketState,
  TicketWrite,
  VendorCall,
  WriteReceipt,
} from '../ticket';
import type { VendorHttp } from '../vendor-http';
import { carriesRef, type NoteKind, postNoteOnce, withFooter } from '../write-marker';
import { adfToText, textToAdf } from './adf';

/** Jira-specific choices; each has a default that fits Jira Service Management Cloud. */
export interface JiraSettings {
  /** Jira priority names for P1..P5. @default Highest, High, Medium, Low, Lowest */
  priorityNames?: Partial<Record<Priority, string>>;
  /**
   * How an internal note stays internal: `jsm` sets the `sd.public.comment` property (Jira Service Management);
   * `role:<name>` restricts the comment to a project role (Jira Software); `public` posts it as is.
   * @default 'jsm'
   */
  internalNotes?: 'jsm' | 'public' | `role:${string}`;
  /** Custom field that carries the assignment group (e.g. `customfield_10050`), and its type. None by default. */
  groupField?: { id: string; format: 'option' | 'group' | 'text' };
  /** Transition (or target status) names per state, tried before the status-category match. */
  transitionNames?: Partial<Record<TicketState, string[]>>;
  /** Resolution set on a transition whose screen asks for one. @default 'Done' */
  resolutionName?: string;
}

const DEFAULT_PRIORITIES: Record<Priority, string> = {
  P1: 'Highest',
  P2: 'High',
  P3: 'Medium',
  P4: 'Low',
  P5: 'Lowest',
};

/** Status category a state lands in: every Jira workflow maps its statuses onto these three keys. */
const CATEGORY: Record<TicketState, string> = {
  in_progress: 'indeterminate',
  on_hold: 'indeterminate',
  resolved: 'done',
};
const DEFAULT_NAMES: Record<TicketState, string[]> = {
  in_progress: ['In Progress', 'Start Progress', 'Work in progress'],
  on_hold: ['Pending', 'Waiting for customer', 'On Hold'],
  resolved: ['Resolved', 'Resolve this issue', 'Done', 'Close'],
};

interface Transition {
  id: string;
  name?: string;
  to?: { name?: string; statusCategory?: { key?: string } };
  fields?: Record<string, { required?: boolean }>;
}

const same = (a: string | undefined, b: string) => a?.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Jira Cloud REST v3 connector: notes are `POST /rest/api/3/issue/{key}/comment` with an ADF body (internal ones
 * flagged for Jira Service Management), priority, assignee and group one `PUT /rest/api/3/issue/{key}`, and the
 * state a transition found through `GET .../transitions` and taken with `POST .../transitions`.
 */
export class JiraConnector implements ItsmConnector {
  readonly source = 'jira' as const;
  private readonly accounts = new Map<string, string | null>();

  constructor(
    private readonly http: VendorHttp,
    private readonly settings: JiraSettings = {},
  ) {}

  /**
   * Opens an issue (`POST /rest/api/3/issue`) labelled with the idempotency key; a retried create first searches
   * for that label (`GET /rest/api/3/search/jql`) and returns the issue an earlier attempt opened.
   */
  async create(draft: TicketDraft, options: ApplyOptions): Promise<CreateReceipt> {
    const calls: VendorCall[] = [];
    if (!draft.project) throw new ItsmUnavailableError('a Jira ticket needs a project key (routing.alarmTickets)');
    if (options.reconcile) {
      const jql = `labels = "${draft.idempotencyKey}"`;
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}&fields=key&maxResults=1`,
          idempotent: true,
        },
        calls,
      );
      const found = (body as { issues?: { id: string; key: string }[] })?.issues?.[0];
      if (found)
        return { ticket: { source: 'jira', id: found.key, displayId: found.key }, calls, existing: true, warnings: [] };
    }
    const { body } = await this.http.request(
      {
        method: 'POST',
        path: '/rest/api/3/issue',
        body: {
          fields: {
            project: { key: draft.project },
            issuetype: { name: draft.issueType ?? 'Task' },
            summary: draft.title.slice(0, 250),
            description: textToAdf(draft.description),
            labels: ['lumos', draft.idempotencyKey],
            priority: { name: this.settings.priorityNames?.[draft.priority] ?? DEFAULT_PRIORITIES[draft.priority] },
          },
        },
        idempotent: false,
      },
      calls,
    );
    const created = body as { id?: string; key?: string };
    if (!created?.key) throw new ItsmUnavailableError('Jira answered the create without an issue key');
    return {
      ticket: { source: 'jira', id: created.key, displayId: created.key },
      calls,
      existing: false,
      warnings: [],
    };
  }

  async apply(write: TicketWrite, options: ApplyOptions): Promise<WriteReceipt> {
    const calls: VendorCall[] = [];
    const { ticket, update, idempotencyKey } = write;
    const receipt: WriteReceipt = {
      source: 'jira',
      ticketId: ticket.displayId,
      calls,
      alreadyPosted: [],
      warnings: [],
    };
    const key = encodeURIComponent(ticket.id);
    let existing: Promise<string[]> | undefined;
    const comments = () => {
      existing ??= this.commentTexts(key, calls);
      return existing;
    };

    const notes: Array<[NoteKind, string]> = [];
    if (update.workNote) notes.push(['note', update.workNote]);
    if (update.reply) notes.push(['reply', update.reply]);
    for (const [kind, text] of notes) {
      const outcome = await postNoteOnce({
        what: `Jira comment on ${ticket.displayId}`,
        reconcile: options.reconcile,
        present: async () => {
          existing = undefined;
          return (await comments()).some((c) => carriesRef(c, idempotencyKey, kind));
        },
        post: () =>
          this.http.request(
            {
              method: 'POST',
              path: `/rest/api/3/issue/${key}/comment`,
              body: this.commentBody(withFooter(text, idempotencyKey, kind), kind),
              idempotent: false,
            },
            calls,
          ),
      });
      if (outcome === 'already-there') receipt.alreadyPosted.push(kind);
    }

    const fields: Record<string, unknown> = {};
    if (update.priority)
      fields.priority = { name: this.settings.priorityNames?.[update.priority] ?? DEFAULT_PRIORITIES[update.priority] };
    if (update.assignment?.assignee) {
      const accountId = await this.accountId(update.assignment.assignee, calls);
      if (accountId) fields.assignee = { accountId };
      else receipt.warnings.push(`no Jira account for '${update.assignment.assignee.name}'; not assigned`);
    }
    if (update.assignment?.group) {
      const field = this.settings.groupField;
      if (field) {
        const name = update.assignment.group;
        fields[field.id] = field.format === 'option' ? { value: name } : field.format === 'group' ? { name } : name;
      } else
        receipt.warnings.push('no assignment-group field is configured for Jira; the group is named in the note only');
    }
    if (Object.keys(fields).length > 0) {
      await this.http.request(
        { method: 'PUT', path: `/rest/api/3/issue/${key}`, body: { fields }, idempotent: true },
        calls,
      );
    }
    if (update.state) await this.transition(key, ticket.displayId, update.state, calls, receipt);
    return receipt;
  }

  private commentBody(text: string, kind: NoteKind): Record<string, unknown> {
    const body: Record<string, unknown> = { body: textToAdf(text) };
    if (kind === 'reply') return body;
    const mode = this.settings.internalNotes ?? 'jsm';
    if (mode === 'jsm') body.properties = [{ key: 'sd.public.comment', value: { internal: true } }];
    else if (mode.startsWith('role:')) body.visibility = { type: 'role', value: mode.slice('role:'.length) };
    return body;
  }

  /** The texts of the issue's most recent comments, newest first. */
  private async commentTexts(key: string, calls: VendorCall[]): Promise<string[]> {
    const { body } = await this.http.request(
      { method: 'GET', path: `/rest/api/3/issue/${key}/comment?orderBy=-created&maxResults=100`, idempotent: true },
      calls,
    );
    const list = (body as { comments?: Array<{ body?: unknown }> })?.comments ?? [];
    return list.map((c) => adfToText(c.body));
  }

  private async accountId(person: TicketPerson, calls: VendorCall[]): Promise<string | undefined> {
    if (person.ids?.jira) return person.ids.jira;
    const query = person.email ?? person.name;
    if (!this.accounts.has(query)) {
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/rest/api/3/user/search?query=${encodeURIComponent(query)}&maxResults=2`,
          idempotent: true,
        },
        calls,
      );
      const users = Array.isArray(body) ? (body as Array<{ accountId?: unknown }>) : [];
      // Two matches would make the choice a guess; assign nobody rather than the wrong person.
      this.accounts.set(
        query,
        users.length === 1 && typeof users[0]!.accountId === 'string' ? users[0]!.accountId : null,
      );
    }
    return this.accounts.get(query) ?? undefined;
  }

  private async transition(
    key: string,
    displayId: string,
    state: TicketState,
    calls: VendorCall[],
    receipt: WriteReceipt,
  ): Promise<void> {
    const { body } = await this.http.request(
      { method: 'GET', path: `/rest/api/3/issue/${key}/transitions?expand=transitions.fields`, idempotent: true },
      calls,
    );
    const transitions = (body as { transitions?: Transition[] })?.transitions ?? [];
    const names = this.settings.transitionNames?.[state] ?? DEFAULT_NAMES[state];
    const byName = names
      .map((name) => transitions.find((t) => same(t.name, name) || same(t.to?.name, name)))
      .find((t): t is Transition => !!t);
    const chosen =
      byName ??
      (state === 'on_hold' ? undefined : transitions.find((t) => t.to?.statusCategory?.key === CATEGORY[state]));
    if (!chosen) {
      const { body: issue } = await this.http.request(
        { method: 'GET', path: `/rest/api/3/issue/${key}?fields=status`, idempotent: true },
        calls,
      );
      const status = (issue as { fields?: { status?: { name?: string; statusCategory?: { key?: string } } } })?.fields
        ?.status;
      const already =
        state === 'on_hold'
          ? names.some((n) => same(status?.name, n))
          : status?.statusCategory?.key === CATEGORY[state];
      if (!already)
        receipt.warnings.push(
          `no transition of ${displayId} leads to ${state} (status '${status?.name ?? 'unknown'}')`,
        );
      return;
    }
    const request: Record<string, unknown> = { transition: { id: chosen.id } };
    if (chosen.fields?.resolution) request.fields = { resolution: { name: this.settings.resolutionName ?? 'Done' } };
    try {
      await this.http.request(
        { method: 'POST', path: `/rest/api/3/issue/${key}/transitions`, body: request, idempotent: false },
        calls,
      );
    } catch (error) {
      if (!(error instanceof AmbiguousWriteError)) throw error;
      // Jira refuses a transition that is no longer available, so look where the issue is before trying again.
      const { body: issue } = await this.http.request(
        { method: 'GET', path: `/rest/api/3/issue/${key}?fields=status`, idempotent: true },
        calls,
      );
      const status = (issue as { fields?: { status?: { name?: string; statusCategory?: { key?: string } } } })?.fields
        ?.status;
      if (!(same(status?.name, chosen.to?.name ?? '') || status?.statusCategory?.key === CATEGORY[state])) {
        throw new ItsmUnavailableError(`Jira transition of ${displayId} to ${state}: ${error.message}`, error.status);
      }
    }
  }
}
