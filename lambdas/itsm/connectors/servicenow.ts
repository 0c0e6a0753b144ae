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

/** ServiceNow-specific choices; everything has the out-of-the-box default. */
export interface ServiceNowSettings {
  /** @default 'incident' */
  table?: string;
  /** Assignment group name -> `sys_user_group.sys_id`; names not listed are looked up by name once per process. */
  groupIds?: Record<string, string>;
  /** `close_code` when Lumos resolves. @default 'Solution provided' */
  closeCode?: string;
  /** `hold_reason` when Lumos puts a ticket on hold (1 = Awaiting Caller). @default '1' */
  holdReason?: string;
}

/** Incident `state` choice values of the base system. */
const STATE: Record<TicketState, string> = { in_progress: '2', on_hold: '3', resolved: '6' };

/**
 * Priority is calculated from impact and urgency by the base system's priority lookup, so Lumos sets those two
 * (and the priority itself, which instances without the lookup take as is).
 */
const IMPACT_URGENCY: Record<Priority, { impact: string; urgency: string; priority: string }> = {
  P1: { impact: '1', urgency: '1', priority: '1' },
  P2: { impact: '1', urgency: '2', priority: '2' },
  P3: { impact: '2', urgency: '2', priority: '3' },
  P4: { impact: '2', urgency: '3', priority: '4' },
  P5: { impact: '3', urgency: '3', priority: '5' },
};

interface TableList {
  result?: Array<Record<string, unknown>>;
}

/** Encoded-query values may not contain `^` (the condition separator). */
const queryValue = (value: string) => value.replace(/\^/g, '');

/**
 * ServiceNow Table API connector. One write is one `PATCH /api/now/table/incident/{sys_id}` carrying the work note,
 * the caller-visible comment and the field changes together, so ServiceNow applies them atomically; a retry that
 * finds the note in `sys_journal_field` knows the whole PATCH landed and sends nothing.
 */
export class ServiceNowConnector implements ItsmConnector {
  readonly source = 'servicenow' as const;
  private readonly groups = new Map<string, string | null>();
  private readonly users = new Map<string, string | null>();

  constructor(
    private readonly http: VendorHttp,
    private readonly settings: ServiceNowSettings = {},
  ) {
    for (const [name, id] of Object.entries(settings.groupIds ?? {})) this.groups.set(name, id);
  }

  private get table(): string {
    return this.settings.table ?? 'incident';
  }

  /**
   * Opens an incident (`POST /api/now/table/incident`) carrying the idempotency key in `correlation_id`; a retried
   * create first queries `correlation_id=<key>` and returns the incident an earlier attempt opened.
   */
  async create(draft: TicketDraft, options: ApplyOptions): Promise<CreateReceipt> {
    const calls: VendorCall[] = [];
    const warnings: string[] = [];
    const fields = 'sys_id,number';
    const ref = (row: Record<string, unknown>) => ({
      source: 'servicenow' as const,
      id: String(row.sys_id),
      displayId: String(row.number),
    });
    if (options.reconcile) {
      const query = `correlation_id=${queryValue(draft.idempotencyKey)}`;
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/api/now/table/${this.table}?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=${fields}&sysparm_limit=1`,
          idempotent: true,
        },
        calls,
      );
      const found = (body as TableList)?.result?.[0];
      if (found?.sys_id) return { ticket: ref(found), calls, existing: true, warnings };
    }
    const record: Record<string, string> = {
      short_description: draft.title.slice(0, 160),
      description: draft.description,
      correlation_id: draft.idempotencyKey,
      correlation_display: 'Lumos',
      ...IMPACT_URGENCY[draft.priority],
    };
    if (draft.group) {
      const groupId = await this.groupId(draft.group, calls);
      if (groupId) record.assignment_group = groupId;
      else warnings.push(`assignment group '${draft.group}' does not exist in ServiceNow; not assigned`);
    }
    const { body } = await this.http.request(
      {
        method: 'POST',
        path: `/api/now/table/${this.table}?sysparm_exclude_reference_link=true&sysparm_fields=${fields}`,
        body: record,
        idempotent: false,
      },
      calls,
    );
    const created = (body as { result?: Record<string, unknown> })?.result;
    if (!created?.sys_id) throw new ItsmUnavailableError('ServiceNow answered the create without a sys_id');
    return { ticket: ref(created), calls, existing: false, warnings };
  }

  async apply(write: TicketWrite, options: ApplyOptions): Promise<WriteReceipt> {
    const calls: VendorCall[] = [];
    const warnings: string[] = [];
    const { ticket, update, idempotencyKey } = write;
    const body: Record<string, string> = {};
    const notes: NoteKind[] = [];
    if (update.workNote) {
      body.work_notes = withFooter(update.workNote, idempotencyKey, 'note');
      notes.push('note');
    }
    if (update.reply) {
      body.comments = withFooter(update.reply, idempotencyKey, 'reply');
      notes.push('reply');
    }
    if (update.state) {
      body.state = STATE[update.state];
      if (update.state === 'on_hold') body.hold_reason = this.settings.holdReason ?? '1';
      if (update.state === 'resolved') {
        body.close_code = update.resolution?.code ?? this.settings.closeCode ?? 'Solution provided';
        body.close_notes = update.resolution?.notes ?? 'Resolved by Lumos';
      }
    }
    if (update.priority) Object.assign(body, IMPACT_URGENCY[update.priority]);
    if (update.assignment?.group) {
      const groupId = await this.groupId(update.assignment.group, calls);
      if (groupId) body.assignment_group = groupId;
      else warnings.push(`assignment group '${update.assignment.group}' does not exist in ServiceNow; not assigned`);
    }
    if (update.assignment?.assignee) {
      const userId = await this.userId(update.assignment.assignee, calls);
      if (userId) body.assigned_to = userId;
      else warnings.push(`user '${update.assignment.assignee.name}' does not exist in ServiceNow; not assigned`);
    }
    const receipt: WriteReceipt = {
      source: 'servicenow',
      ticketId: ticket.displayId,
      calls,
      alreadyPosted: [],
      warnings,
    };
    if (Object.keys(body).length === 0) return receipt;

    const path = `/api/now/table/${this.table}/${encodeURIComponent(ticket.id)}?sysparm_exclude_reference_link=true&sysparm_fields=sys_id,number,state,priority,assignment_group,assigned_to`;
    const patch = () => this.http.request({ method: 'PATCH', path, body, idempotent: notes.length === 0 }, calls);
    if (notes.length === 0) {
      await patch();
      return receipt;
    }
    // The PATCH carries the notes, so whether it landed is whether its first note is in the journal.
    const outcome = await postNoteOnce({
      what: `ServiceNow PATCH ${ticket.displayId}`,
      reconcile: options.reconcile,
      present: () => this.journalHas(ticket.id, idempotencyKey, notes[0]!, calls),
      post: patch,
    });
    if (outcome === 'already-there') receipt.alreadyPosted.push(...notes);
    return receipt;
  }

  /** Whether the ticket's journal holds the note (sys_journal_field rows of this record containing its reference). */
  private async journalHas(sysId: string, key: string, kind: NoteKind, calls: VendorCall[]): Promise<boolean> {
    const element = kind === 'note' ? 'work_notes' : 'comments';
    const query = `element_id=${queryValue(sysId)}^element=${element}^valueLIKE${queryValue(`ref:${key}.${kind}`)}`;
    const { body } = await this.http.request(
      {
        method: 'GET',
        path: `/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=sys_id,value&sysparm_limit=5`,
        idempotent: true,
      },
      calls,
    );
    return ((body as TableList)?.result ?? []).some(
      (row) => typeof row.value === 'string' && carriesRef(row.value, key, kind),
    );
  }

  private async groupId(name: string, calls: VendorCall[]): Promise<string | undefined> {
    if (/^[0-9a-f]{32}$/.test(name)) return name;
    if (!this.groups.has(name)) {
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/api/now/table/sys_user_group?sysparm_query=${encodeURIComponent(`name=${queryValue(name)}`)}&sysparm_fields=sys_id,name&sysparm_limit=1`,
          idempotent: true,
        },
        calls,
      );
      const id = (body as TableList)?.result?.[0]?.sys_id;
      this.groups.set(name, typeof id === 'string' ? id : null);
    }
    return this.groups.get(name) ?? undefined;
  }

  private async userId(person: TicketPerson, calls: VendorCall[]): Promise<string | undefined> {
    const userName = person.ids?.servicenow;
    const key = userName ?? person.email ?? person.name;
    if (!this.users.has(key)) {
      const query = userName
        ? `user_name=${queryValue(userName)}`
        : person.email
          ? `email=${queryValue(person.email)}`
          : `name=${queryValue(person.name)}`;
      const { body } = await this.http.request(
        {
          method: 'GET',
          path: `/api/now/table/sys_user?sysparm_query=${encodeURIComponent(query)}&sysparm_fields=sys_id,user_name&sysparm_limit=1`,
          idempotent: true,
        },
        calls,
      );
      const id = (body as TableList)?.result?.[0]?.sys_id;
      this.users.set(key, typeof id === 'string' ? id : null);
    }
    return this.users.get(key) ?? undefined;
  }
}
