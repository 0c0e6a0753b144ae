import type { Priority } from '../../core/incident';
import { ItsmUnavailableError } from '../itsm-errors';
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

/** Zendesk-specific choices. */
export interface ZendeskSettings {
  /** Group name -> group id; names not listed are looked up in `GET /api/v2/groups` once per process. */
  groupIds?: Record<string, string>;
  /** Zendesk priorities for P1..P5. @default urgent, high, normal, low, low */
  priorities?: Partial<Record<Priority, 'urgent' | 'high' | 'normal' | 'low'>>;
}

const DEFAULT_PRIORITIES: Record<Priority, 'urgent' | 'high' | 'normal' | 'low'> = {
  P1: 'urgent',
  P2: 'high',
  P3: 'normal',
  P4: 'low',
  P5: 'low',
};

/** Zendesk ticket statuses for Lumos' states (`open`: an agent works on it; `hold`: waiting on a third party). */
const STATUS: Record<TicketState, string> = { in_progress: 'open', on_hold: 'hold', resolved: 'solved' };

/**
 * Zendesk Tickets API connector. An update is `PUT /api/v2/tickets/{id}` with `{ticket: {comment, status, priority,
 * group_id, assignee_id}}`; the comment is an internal note (`public: false`) or a public reply. Zendesk takes one
 * comment per update, so a write with both a note and a reply is two PUTs: the note with the fields, then the reply.
 * Each PUT is atomic, so finding its comment on the ticket proves the whole PUT landed.
 */
export class ZendeskConnector implements ItsmConnector {
  readonly source = 'zendesk' as const;
  private groups?: Map<string, string>;
  private readonly users = new Map<string, string | null>();

  constructor(
    private readonly http: VendorHttp,
    private readonly settings: ZendeskSettings = {},
  ) {}

  /**
   * Opens a ticket (`POST /api/v2/tickets`) whose `external_id` is the idempotency key; a retried create first lists
   * tickets by that external id and returns the one an earlier attempt opened. The description is a private note.
   */
  async create(draft: TicketDraft, options: ApplyOptions): Promise<CreateReceipt> {
    const calls: VendorCall[] = [];
    const warnings: string[] = [];
    const ref = (id: number) => ({ source: 'zendesk' as const, id: String(id), displayId: String(id) });
    if (options.reconcile) {
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/api/v2/tickets?external_id=${encodeURIComponent(draft.idempotencyKey)}`,
          idempotent: true,
        },
        calls,
      );
      const found = (body as { tickets?: { id: number }[] })?.tickets?.[0];
      if (found) return { ticket: ref(found.id), calls, existing: true, warnings };
    }
    const ticket: Record<string, unknown> = {
      subject: draft.title.slice(0, 250),
      comment: { body: draft.description, public: false },
      priority: this.settings.priorities?.[draft.priority] ?? DEFAULT_PRIORITIES[draft.priority],
      external_id: draft.idempotencyKey,
      tags: ['lumos'],
    };
    if (draft.group) {
      const groupId = await this.groupId(draft.group, calls);
      if (groupId) ticket.group_id = Number(groupId);
      else warnings.push(`group '${draft.group}' does not exist in Zendesk; not assigned`);
    }
    const { body } = await this.http.request(
      { method: 'POST', path: '/api/v2/tickets', body: { ticket }, idempotent: false },
      calls,
    );
    const created = (body as { ticket?: { id?: number } })?.ticket;
    if (typeof created?.id !== 'number') throw new ItsmUnavailableError('Zendesk answered the create without an id');
    return { ticket: ref(created.id), calls, existing: false, warnings };
  }

  async apply(write: TicketWrite, options: ApplyOptions): Promise<WriteReceipt> {
    const calls: VendorCall[] = [];
    const { ticket, update, idempotencyKey } = write;
    const receipt: WriteReceipt = {
      source: 'zendesk',
      ticketId: ticket.displayId,
      calls,
      alreadyPosted: [],
      warnings: [],
    };
    const fields: Record<string, unknown> = {};
    if (update.state) fields.status = STATUS[update.state];
    if (update.priority)
      fields.priority = this.settings.priorities?.[update.priority] ?? DEFAULT_PRIORITIES[update.priority];
    if (update.assignment?.group) {
      const groupId = await this.groupId(update.assignment.group, calls);
      if (groupId) fields.group_id = Number.isNaN(Number(groupId)) ? groupId : Number(groupId);
      else receipt.warnings.push(`group '${update.assignment.group}' does not exist in Zendesk; not assigned`);
    }
    if (update.assignment?.assignee) {
      const userId = await this.userId(update.assignment.assignee, calls);
      if (userId) fields.assignee_id = Number.isNaN(Number(userId)) ? userId : Number(userId);
      else receipt.warnings.push(`no Zendesk agent for '${update.assignment.assignee.name}'; not assigned`);
    }

    const puts: Array<{ kind?: NoteKind; ticket: Record<string, unknown> }> = [];
    if (update.workNote) {
      puts.push({
        kind: 'note',
        ticket: { ...fields, comment: { body: withFooter(update.workNote, idempotencyKey, 'note'), public: false } },
      });
    }
    if (update.reply) {
      const first = puts.length === 0;
      puts.push({
        kind: 'reply',
        ticket: {
          ...(first ? fields : {}),
          comment: { body: withFooter(update.reply, idempotencyKey, 'reply'), public: true },
        },
      });
    }
    if (puts.length === 0 && Object.keys(fields).length > 0) puts.push({ ticket: fields });

    const path = `/api/v2/tickets/${encodeURIComponent(ticket.id)}`;
    for (const put of puts) {
      const send = () =>
        this.http.request({ method: 'PUT', path, body: { ticket: put.ticket }, idempotent: !put.kind }, calls);
      if (!put.kind) {
        await send();
        continue;
      }
      const kind = put.kind;
      const outcome = await postNoteOnce({
        what: `Zendesk update of ticket ${ticket.displayId}`,
        reconcile: options.reconcile,
        present: async () => (await this.commentTexts(path, calls)).some((c) => carriesRef(c, idempotencyKey, kind)),
        post: send,
      });
      if (outcome === 'already-there') receipt.alreadyPosted.push(kind);
    }
    return receipt;
  }

  /** Bodies of the ticket's comments, newest first. */
  private async commentTexts(ticketPath: string, calls: VendorCall[]): Promise<string[]> {
    const { body } = await this.http.request(
      { method: 'GET', path: `${ticketPath}/comments?sort_order=desc`, idempotent: true },
      calls,
    );
    const list = (body as { comments?: Array<{ body?: unknown; plain_body?: unknown }> })?.comments ?? [];
    return list.map((c) => String(c.plain_body ?? c.body ?? ''));
  }

  private async groupId(name: string, calls: VendorCall[]): Promise<string | undefined> {
    if (/^\d+$/.test(name)) return name;
    const configured = this.settings.groupIds?.[name];
    if (configured) return configured;
    if (!this.groups) {
      const { body } = await this.http.request({ method: 'GET', path: '/api/v2/groups', idempotent: true }, calls);
      const list = (body as { groups?: Array<{ id?: unknown; name?: unknown }> })?.groups ?? [];
      this.groups = new Map(
        list.filter((g) => typeof g.name === 'string').map((g) => [String(g.name).toLowerCase(), String(g.id)]),
      );
    }
    return this.groups.get(name.toLowerCase());
  }

  private async userId(person: TicketPerson, calls: VendorCall[]): Promise<string | undefined> {
    if (person.ids?.zendesk) return person.ids.zendesk;
    const query = person.email ?? person.name;
    if (!this.users.has(query)) {
      const { body } = await this.http.request(
        { method: 'GET', path: `/api/v2/users/search?query=${encodeURIComponent(query)}`, idempotent: true },
        calls,
      );
      const users = (body as { users?: Array<{ id?: unknown }> })?.users ?? [];
      this.users.set(query, users.length === 1 ? String(users[0]!.id) : null);
    }
    return this.users.get(query) ?? undefined;
  }
}
