import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the three ITSM APIs Lumos writes to, answering like each vendor's documented endpoints
 * (paths, request and response bodies, error shapes, 429 with Retry-After) and recording every call so a test can
 * assert the exact sequence. It is deliberately stricter than the vendors where they would silently accept a
 * mistake (an unknown field, a plain-text Jira v3 comment), so such mistakes fail the contract tests.
 *
 * - ServiceNow Table API: `PATCH /api/now/table/incident/{sys_id}`, `GET /api/now/table/{sys_journal_field |
 *   sys_user_group | sys_user}?sysparm_query=...`, `POST /oauth_token.do`.
 * - Jira Cloud REST v3: `POST|GET /rest/api/3/issue/{key}/comment`, `PUT /rest/api/3/issue/{key}`,
 *   `GET|POST /rest/api/3/issue/{key}/transitions`, `GET /rest/api/3/issue/{key}?fields=status`,
 *   `GET /rest/api/3/user/search?query=`.
 * - Zendesk Tickets API: `PUT /api/v2/tickets/{id}`, `GET /api/v2/tickets/{id}/comments`, `GET /api/v2/groups`,
 *   `GET /api/v2/users/search?query=`.
 * - Creates (Lumos opens a ticket for an alarm): `POST /api/now/table/incident` (+ `correlation_id` queries),
 *   `POST /rest/api/3/issue` (+ `GET /rest/api/3/search/jql?jql=labels = "..."`), `POST /api/v2/tickets`
 *   (+ `GET /api/v2/tickets?external_id=`).
 */

export type Vendor = 'servicenow' | 'jira' | 'zendesk' | 'oauth';

export interface RecordedCall {
  vendor: Vendor;
  method: string;
  /** Path without the query. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** Milliseconds since the server started. */
  at: number;
  authorization?: string;
  /** Set when a fault answered instead of (or after) the vendor logic. */
  fault?: string;
}

export interface Fault {
  vendor?: Vendor;
  method?: string;
  /** Matches when the path (without query) contains this text. */
  path?: string;
  status: number;
  /** `Retry-After` header value. */
  retryAfter?: string;
  /** Process the request first, then answer with the fault (a lost response: the write landed). */
  applyFirst?: boolean;
  /** How many matching requests it answers. @default 1 */
  times?: number;
}

interface JournalEntry {
  sys_id: string;
  element_id: string;
  element: 'work_notes' | 'comments';
  name: string;
  value: string;
  sys_created_on: string;
  sys_created_by: string;
}

export interface ServiceNowRecord extends Record<string, unknown> {
  sys_id: string;
  number: string;
  state: string;
}

interface JiraComment {
  id: string;
  body: unknown;
  properties?: unknown;
  visibility?: unknown;
  created: string;
  author: { accountId: string; displayName: string };
}

export interface JiraIssue {
  id: string;
  key: string;
  status: string;
  priority: string;
  assignee?: string;
  fields: Record<string, unknown>;
  comments: JiraComment[];
}

interface ZendeskComment {
  id: number;
  body: string;
  plain_body: string;
  public: boolean;
  author_id: number;
  created_at: string;
}

export interface ZendeskTicket extends Record<string, unknown> {
  id: number;
  status: string;
  priority: string | null;
  group_id: number | null;
  assignee_id: number | null;
  comments: ZendeskComment[];
}

/** Fields Lumos sets when it opens an incident. */
const SERVICENOW_CREATE_FIELDS = new Set([
  'short_description',
  'description',
  'correlation_id',
  'correlation_display',
  'impact',
  'urgency',
  'priority',
  'assignment_group',
  'category',
  'cmdb_ci',
]);

const SERVICENOW_FIELDS = new Set([
  'work_notes',
  'comments',
  'state',
  'impact',
  'urgency',
  'priority',
  'assignment_group',
  'assigned_to',
  'close_code',
  'close_notes',
  'hold_reason',
  'short_description',
  'description',
]);
const SERVICENOW_STATES = new Set(['1', '2', '3', '6', '7', '8']);
const JIRA_PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const ZENDESK_STATUSES = new Set(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
const ZENDESK_PRIORITIES = new Set(['urgent', 'high', 'normal', 'low']);
const ZENDESK_TICKET_FIELDS = new Set([
  'comment',
  'status',
  'priority',
  'group_id',
  'assignee_id',
  'tags',
  'subject',
  'type',
]);

/** Jira's sample workflow: statuses with their category, and the transitions available from each. */
const JIRA_WORKFLOW: Record<
  string,
  { category: string; transitions: Array<{ id: string; name: string; to: string; resolution?: boolean }> }
> = {
  'To Do': {
    category: 'new',
    transitions: [
      { id: '11', name: 'Start Progress', to: 'In Progress' },
      { id: '31', name: 'Done', to: 'Done', resolution: true },
    ],
  },
  'In Progress': {
    category: 'indeterminate',
    transitions: [
      { id: '21', name: 'Stop Progress', to: 'To Do' },
      { id: '31', name: 'Done', to: 'Done', resolution: true },
    ],
  },
  Done: { category: 'done', transitions: [{ id: '41', name: 'Reopen', to: 'To Do' }] },
};

const now = () => new Date().toISOString();
const sysId = () => randomBytes(16).toString('hex');

function adfText(node: unknown): string {
  if (!node || typeof node !== 'object') return '';
  if (Array.isArray(node)) return node.map(adfText).join('');
  const n = node as { type?: string; text?: string; content?: unknown };
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  const inner = adfText(n.content);
  return n.type === 'paragraph' || n.type === 'heading' || n.type === 'listItem' ? `${inner}\n` : inner;
}

/** A minimal ADF check: the v3 API rejects anything that is not a `doc` of version 1 with block content. */
function isAdfDoc(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const doc = value as { type?: unknown; version?: unknown; content?: unknown };
  if (doc.type !== 'doc' || doc.version !== 1 || !Array.isArray(doc.content)) return false;
  const check = (node: unknown, depth: number): boolean => {
    if (depth > 20 || !node || typeof node !== 'object') return false;
    const n = node as { type?: unknown; text?: unknown; content?: unknown };
    if (typeof n.type !== 'string') return false;
    if (n.type === 'text') return typeof n.text === 'string' && n.text.length > 0;
    if (n.content === undefined) return true;
    return Array.isArray(n.content) && n.content.every((c) => check(c, depth + 1));
  };
  return doc.content.every((c) => check(c, 1));
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const json = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });

export interface ContractServerOptions {
  /** Authorization header values accepted per vendor. @default Basic lumos:local-dev-secret for all */
  authorization?: Partial<Record<Exclude<Vendor, 'oauth'>, string[]>>;
  /** Create an unknown ticket on first sight instead of answering 404 (running it by hand). @default false */
  autoCreate?: boolean;
}

export const DEFAULT_BASIC = `Basic ${Buffer.from('lumos:local-dev-secret').toString('base64')}`;

/** The contract server. Start with {@link startItsmContractServer}. */
export class ItsmContractServer {
  readonly calls: RecordedCall[] = [];
  readonly servicenow = {
    incidents: new Map<string, ServiceNowRecord>(),
    journal: [] as JournalEntry[],
    groups: [
      { sys_id: '287ebd7da9fe198100f92cc8d1d2154e', name: 'Network Operations' },
      { sys_id: '8a4dde73c6112278017a6a4baf547aa7', name: 'Service Desk' },
      { sys_id: 'd625dccec0a8016700a222a0f7900d06', name: 'Database Administration' },
      { sys_id: 'aaccc971c0a8016600e4f4f6a4c5d9c1', name: 'Identity & Access' },
      { sys_id: '0a52d3dcd7011200f2d224837e6103f2', name: 'Application Support' },
      { sys_id: '5f74727dc0a8010e01efe33a251993f9', name: 'End User Services' },
      { sys_id: 'b85d44954a3623120004689b2d5dd60a', name: 'Platform Engineering' },
    ],
    users: [
      { sys_id: '46d44a23a9fe19810012d100cca80666', user_name: 'femi.adeyemi', email: 'femi.adeyemi@example.com' },
      { sys_id: '5137153cc611227c000bbd1bd8cd2005', user_name: 'maya.cohen', email: 'maya.cohen@example.com' },
      { sys_id: '62826bf03710200044e0bfc8bcbe5df1', user_name: 'dara.novak', email: 'dara.novak@example.com' },
    ],
  };
  readonly jira = {
    issues: new Map<string, JiraIssue>(),
    users: [
      { accountId: '5b10ac8d82e05b22cc7d4ef5', emailAddress: 'femi.adeyemi@example.com', displayName: 'Femi Adeyemi' },
      { accountId: '5b10a2844c20165700ede21g', emailAddress: 'maya.cohen@example.com', displayName: 'Maya Cohen' },
      { accountId: '5b109f2e9729b51b54dc274d', emailAddress: 'dara.novak@example.com', displayName: 'Dara Novak' },
    ],
  };
  readonly zendesk = {
    tickets: new Map<number, ZendeskTicket>(),
    groups: [
      { id: 360001001, name: 'Network Operations' },
      { id: 360001002, name: 'Service Desk' },
      { id: 360001003, name: 'Database Administration' },
      { id: 360001004, name: 'Identity & Access' },
      { id: 360001005, name: 'End User Services' },
      { id: 360001006, name: 'Application Support' },
    ],
    users: [
      { id: 900001, email: 'femi.adeyemi@example.com', name: 'Femi Adeyemi' },
      { id: 900002, email: 'maya.cohen@example.com', name: 'Maya Cohen' },
      { id: 900003, email: 'dara.novak@example.com', name: 'Dara Novak' },
    ],
  };
  private readonly faults: Array<Fault & { left: number }> = [];
  private readonly started = Date.now();
  private nextId = 10_000;
  private server?: Server;
  url = '';

  constructor(private readonly options: ContractServerOptions = {}) {}

  /** Answers the next matching request(s) with a fault instead of (or after) the vendor logic. */
  failNext(fault: Fault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  /** Calls to one vendor, optionally without the lookups (GETs). */
  callsOf(vendor: Vendor, options: { writesOnly?: boolean } = {}): RecordedCall[] {
    return this.calls.filter((c) => c.vendor === vendor && (!options.writesOnly || c.method !== 'GET'));
  }

  /** `METHOD path` of each call to a vendor, the compact form sequence assertions use. */
  sequence(vendor: Vendor, options: { writesOnly?: boolean } = {}): string[] {
    return this.callsOf(vendor, options).map((c) => `${c.status} ${c.method} ${c.path}`);
  }

  reset(): void {
    this.calls.length = 0;
    this.faults.length = 0;
  }

  seedServiceNowIncident(record: Partial<ServiceNowRecord> & { sys_id: string; number: string }): ServiceNowRecord {
    const full: ServiceNowRecord = {
      state: '1',
      impact: '2',
      urgency: '2',
      priority: '3',
      assignment_group: '',
      assigned_to: '',
      short_description: '',
      sys_updated_by: 'admin',
      sys_mod_count: '0',
      ...record,
    };
    this.servicenow.incidents.set(full.sys_id, full);
    return full;
  }

  seedJiraIssue(issue: { id: string; key: string; status?: string; priority?: string; summary?: string }): JiraIssue {
    const full: JiraIssue = {
      id: issue.id,
      key: issue.key,
      status: issue.status ?? 'To Do',
      priority: issue.priority ?? 'Medium',
      fields: { summary: issue.summary ?? '' },
      comments: [],
    };
    this.jira.issues.set(full.key, full);
    this.jira.issues.set(full.id, full);
    return full;
  }

  seedZendeskTicket(ticket: { id: number; subject?: string; status?: string; priority?: string }): ZendeskTicket {
    const full: ZendeskTicket = {
      id: ticket.id,
      subject: ticket.subject ?? '',
      status: ticket.status ?? 'new',
      priority: ticket.priority ?? null,
      group_id: null,
      assignee_id: null,
      comments: [],
    };
    this.zendesk.tickets.set(full.id, full);
    return full;
  }

  async listen(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: String(error) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private vendorOf(path: string): Vendor | undefined {
    if (path.startsWith('/api/now/')) return 'servicenow';
    if (path.startsWith('/rest/api/3/')) return 'jira';
    if (path.startsWith('/api/v2/')) return 'zendesk';
    if (path === '/oauth_token.do' || path === '/oauth/token' || path === '/oauth/tokens') return 'oauth';
    return undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\.json$/, '');
    const query = Object.fromEntries(url.searchParams.entries());
    const vendor = this.vendorOf(path);
    let body: unknown = raw;
    if (raw && (req.headers['content-type'] ?? '').includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    } else if (raw && (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) {
      body = Object.fromEntries(new URLSearchParams(raw).entries());
    }
    const call: RecordedCall = {
      vendor: vendor ?? 'servicenow',
      method,
      path,
      query,
      body: raw ? body : undefined,
      status: 0,
      at: Date.now() - this.started,
      authorization: req.headers.authorization,
    };
    this.calls.push(call);

    const fault = this.faults.find(
      (f) =>
        f.left > 0 &&
        (!f.vendor || f.vendor === vendor) &&
        (!f.method || f.method === method) &&
        (!f.path || path.includes(f.path)),
    );
    let reply: Reply;
    if (!vendor) reply = json(404, { error: `no such endpoint ${path}` });
    else if (fault && !fault.applyFirst) reply = this.faultReply(fault, vendor);
    else {
      reply = this.authorize(vendor, req.headers.authorization) ?? this.route(vendor, method, path, query, body);
      if (fault) reply = this.faultReply(fault, vendor);
    }
    if (fault) {
      fault.left--;
      call.fault = `${fault.status}${fault.applyFirst ? ' after applying' : ''}`;
    }
    call.status = reply.status;
    res.writeHead(reply.status, {
      ...(reply.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(reply.headers ?? {}),
    });
    res.end(reply.body !== undefined ? JSON.stringify(reply.body) : undefined);
  }

  private faultReply(fault: Fault, vendor: Vendor): Reply {
    const headers = fault.retryAfter ? { 'retry-after': fault.retryAfter } : undefined;
    if (fault.status === 429) {
      const body =
        vendor === 'servicenow'
          ? { error: { message: 'Too Many Requests', detail: 'Rate limit exceeded' }, status: 'failure' }
          : vendor === 'jira'
            ? { errorMessages: ['Rate limit exceeded.'], errors: {} }
            : { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' };
      return json(429, body, headers);
    }
    return json(fault.status, { error: 'injected fault' }, headers);
  }

  private authorize(vendor: Vendor, header: string | undefined): Reply | undefined {
    if (vendor === 'oauth') return undefined;
    const accepted = this.options.authorization?.[vendor] ?? [DEFAULT_BASIC];
    if (header && accepted.includes(header)) return undefined;
    if (header?.startsWith('Bearer ') && this.issuedTokens.includes(header.slice('Bearer '.length))) return undefined;
    if (vendor === 'servicenow')
      return json(401, {
        error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
        status: 'failure',
      });
    if (vendor === 'jira')
      return json(401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
    return json(401, { error: "Couldn't authenticate you" });
  }

  private route(vendor: Vendor, method: string, path: string, query: Record<string, string>, body: unknown): Reply {
    if (vendor === 'servicenow') return this.serviceNow(method, path, query, body);
    if (vendor === 'jira') return this.jiraApi(method, path, query, body);
    if (vendor === 'zendesk') return this.zendeskApi(method, path, query, body);
    return this.oauth(body);
  }

  // --- OAuth token endpoints (ServiceNow oauth_token.do, Zendesk /oauth/tokens, Atlassian /oauth/token) ---
  readonly issuedTokens: string[] = [];
  private oauth(body: unknown): Reply {
    const form = (body ?? {}) as Record<string, string>;
    if (!form.grant_type || !form.client_id || !form.client_secret) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'grant_type, client_id and client_secret are required',
      });
    }
    const token = `tok-${randomBytes(8).toString('hex')}`;
    this.issuedTokens.push(token);
    return json(200, {
      access_token: token,
      token_type: 'Bearer',
      expires_in: 1799,
      scope: form.scope ?? 'useraccount',
    });
  }

  // --- ServiceNow Table API ---
  private snowError(status: number, message: string, detail: string): Reply {
    return json(status, { error: { message, detail }, status: 'failure' });
  }

  private parseQuery(encoded: string | undefined): Array<{ field: string; op: string; value: string }> {
    return (encoded ?? '')
      .split('^')
      .filter(Boolean)
      .map((part) => {
        const like = /^([a-z_]+)LIKE(.*)$/.exec(part);
        if (like) return { field: like[1]!, op: 'LIKE', value: like[2]! };
        const eq = /^([a-z_.]+)=(.*)$/.exec(part);
        return eq ? { field: eq[1]!, op: '=', value: eq[2]! } : { field: part, op: '?', value: '' };
      });
  }

  private tableRows(table: string): Array<Record<string, unknown>> | undefined {
    if (table === 'sys_journal_field') return this.servicenow.journal as unknown as Array<Record<string, unknown>>;
    if (table === 'sys_user_group') return this.servicenow.groups;
    if (table === 'sys_user') return this.servicenow.users;
    if (table === 'incident') return [...this.servicenow.incidents.values()];
    return undefined;
  }

  private serviceNow(method: string, path: string, query: Record<string, string>, body: unknown): Reply {
    const match = /^\/api\/now\/(?:v[12]\/)?table\/([a-z_]+)(?:\/([^/]+))?$/.exec(path);
    if (!match) return this.snowError(400, 'Invalid resource', `no such resource ${path}`);
    const [, table, id] = match as unknown as [string, string, string | undefined];
    if (method === 'GET' && !id) {
      const rows = this.tableRows(table!);
      if (!rows) return this.snowError(400, 'Invalid table', `Invalid table ${table}`);
      const conditions = this.parseQuery(query.sysparm_query);
      const limit = Number(query.sysparm_limit ?? '10000');
      const fields = query.sysparm_fields?.split(',');
      const result = rows
        .filter((row) =>
          conditions.every((c) =>
            c.op === 'LIKE'
              ? String(row[c.field] ?? '').includes(c.value)
              : c.op === '='
                ? String(row[c.field] ?? '') === c.value
                : false,
          ),
        )
        .slice(0, limit)
        .map((row) => (fields ? Object.fromEntries(fields.map((f) => [f, row[f] ?? ''])) : row));
      return json(200, { result });
    }
    if (method === 'POST' && table === 'incident' && !id) return this.serviceNowCreate(query, body);
    if (table !== 'incident' || !id) return this.snowError(405, 'Method not supported', `${method} ${path}`);
    if (this.options.autoCreate && !this.servicenow.incidents.has(id))
      this.seedServiceNowIncident({ sys_id: id, number: id });
    const record = this.servicenow.incidents.get(id);
    if (!record)
      return this.snowError(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    if (method === 'GET') return json(200, { result: record });
    if (method !== 'PATCH' && method !== 'PUT') return this.snowError(405, 'Method not supported', method);
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return this.snowError(400, 'Exception while reading request', 'The payload is not valid JSON.');
    const changes = body as Record<string, unknown>;
    const unknown = Object.keys(changes).filter((k) => !SERVICENOW_FIELDS.has(k));
    if (unknown.length)
      return this.snowError(400, 'Invalid field', `not an incident field this contract knows: ${unknown.join(', ')}`);
    const nonString = Object.entries(changes).filter(([, v]) => typeof v !== 'string');
    if (nonString.length)
      return this.snowError(
        400,
        'Invalid value',
        `field values must be strings: ${nonString.map(([k]) => k).join(', ')}`,
      );
    const c = changes as Record<string, string>;
    if (c.state && !SERVICENOW_STATES.has(c.state))
      return this.snowError(400, 'Invalid state', `state ${c.state} is not a choice of incident.state`);
    if (c.state === '6' && (!c.close_code || !c.close_notes)) {
      return this.snowError(
        403,
        'Operation Failed',
        'Data Policy Exception: the following fields are mandatory: Resolution code, Resolution notes',
      );
    }
    if (c.state === '3' && !c.hold_reason)
      return this.snowError(
        403,
        'Operation Failed',
        'Data Policy Exception: the following fields are mandatory: On hold reason',
      );
    if (c.assignment_group && !this.servicenow.groups.some((g) => g.sys_id === c.assignment_group)) {
      return this.snowError(400, 'Invalid reference', `assignment_group ${c.assignment_group} is not a sys_user_group`);
    }
    if (c.assigned_to && !this.servicenow.users.some((u) => u.sys_id === c.assigned_to)) {
      return this.snowError(400, 'Invalid reference', `assigned_to ${c.assigned_to} is not a sys_user`);
    }
    for (const element of ['work_notes', 'comments'] as const) {
      if (c[element]) {
        this.servicenow.journal.push({
          sys_id: sysId(),
          element_id: id,
          element,
          name: 'incident',
          value: c[element]!,
          sys_created_on: now().replace('T', ' ').slice(0, 19),
          sys_created_by: 'lumos',
        });
      }
    }
    for (const [key, value] of Object.entries(c)) if (key !== 'work_notes' && key !== 'comments') record[key] = value;
    record.sys_mod_count = String(Number(record.sys_mod_count ?? 0) + 1);
    record.sys_updated_by = 'lumos';
    const fields = query.sysparm_fields?.split(',');
    const result = fields ? Object.fromEntries(fields.map((f) => [f, record[f] ?? ''])) : { ...record };
    return json(200, { result });
  }

  /** `POST /api/now/table/incident`: opens an incident (Lumos opens one for an alarm); strings only, known fields. */
  private serviceNowCreate(query: Record<string, string>, body: unknown): Reply {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      return this.snowError(400, 'Exception while reading request', 'The payload is not valid JSON.');
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((k) => !SERVICENOW_CREATE_FIELDS.has(k));
    if (unknown.length)
      return this.snowError(400, 'Invalid field', `not an incident field this contract knows: ${unknown.join(', ')}`);
    if (Object.values(fields).some((v) => typeof v !== 'string'))
      return this.snowError(400, 'Invalid value', 'field values must be strings');
    if (!fields.short_description) return this.snowError(400, 'Invalid value', 'short_description is mandatory');
    const id = sysId();
    const number = `INC${String(9_000_000 + this.servicenow.incidents.size + 1).padStart(7, '0')}`;
    const record = this.seedServiceNowIncident({ sys_id: id, number, ...(fields as Record<string, string>) });
    record.sys_created_by = 'lumos';
    const wanted = query.sysparm_fields?.split(',');
    return json(201, { result: wanted ? Object.fromEntries(wanted.map((f) => [f, record[f] ?? ''])) : { ...record } });
  }

  // --- Jira Cloud REST v3 ---
  private jiraError(status: number, messages: string[], errors: Record<string, string> = {}): Reply {
    return json(status, { errorMessages: messages, errors });
  }

  private jiraApi(method: string, path: string, query: Record<string, string>, body: unknown): Reply {
    if (method === 'GET' && path === '/rest/api/3/user/search') {
      const q = (query.query ?? '').toLowerCase();
      return json(
        200,
        this.jira.users
          .filter((u) => u.emailAddress.toLowerCase().includes(q) || u.displayName.toLowerCase().includes(q))
          .map((u) => ({ ...u, accountType: 'atlassian', active: true })),
      );
    }
    if (method === 'POST' && path === '/rest/api/3/issue') return this.jiraCreate(body);
    if (method === 'GET' && path === '/rest/api/3/search/jql') {
      const label = /labels\s*=\s*"([^"]+)"/.exec(query.jql ?? '')?.[1];
      const issues = [...new Set(this.jira.issues.values())]
        .filter((i) => label && Array.isArray(i.fields.labels) && (i.fields.labels as string[]).includes(label))
        .map((i) => ({ id: i.id, key: i.key, fields: { summary: i.fields.summary } }));
      return json(200, { issues, isLast: true });
    }
    const match = /^\/rest\/api\/3\/issue\/([^/]+)(\/comment|\/transitions)?$/.exec(path);
    if (!match) return this.jiraError(404, [`No resource at ${path}`]);
    const ref = decodeURIComponent(match[1]!);
    if (this.options.autoCreate && !this.jira.issues.has(ref)) this.seedJiraIssue({ id: ref, key: ref });
    const issue = this.jira.issues.get(ref);
    if (!issue) return this.jiraError(404, ['Issue does not exist or you do not have permission to see it.']);
    const sub = match[2];
    if (sub === '/comment') {
      if (method === 'GET') {
        const ordered = query.orderBy === '-created' ? [...issue.comments].reverse() : issue.comments;
        const max = Number(query.maxResults ?? '5000');
        return json(200, {
          startAt: 0,
          maxResults: max,
          total: issue.comments.length,
          comments: ordered.slice(0, max),
        });
      }
      if (method !== 'POST') return this.jiraError(405, ['Method not allowed']);
      const b = (body ?? {}) as { body?: unknown; properties?: unknown; visibility?: unknown };
      if (b.body === undefined) return this.jiraError(400, [], { comment: 'Comment body can not be empty!' });
      if (!isAdfDoc(b.body))
        return this.jiraError(400, ['Comment body is not valid!'], {
          comment: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
        });
      if (b.properties !== undefined) {
        const ok =
          Array.isArray(b.properties) &&
          b.properties.every((p) => p && typeof p === 'object' && typeof (p as { key?: unknown }).key === 'string');
        if (!ok) return this.jiraError(400, ['properties must be a list of {key, value}']);
      }
      const comment: JiraComment = {
        id: String(this.nextId++),
        body: b.body,
        ...(b.properties !== undefined ? { properties: b.properties } : {}),
        ...(b.visibility !== undefined ? { visibility: b.visibility } : {}),
        created: now(),
        author: { accountId: 'lumos-integration', displayName: 'Lumos' },
      };
      issue.comments.push(comment);
      return json(201, {
        self: `${this.url}/rest/api/3/issue/${issue.id}/comment/${comment.id}`,
        ...comment,
        updated: comment.created,
        jsdPublic: !b.properties,
      });
    }
    if (sub === '/transitions') {
      const workflow = JIRA_WORKFLOW[issue.status]!;
      if (method === 'GET') {
        const withFields = (query.expand ?? '').includes('transitions.fields');
        return json(200, {
          expand: 'transitions',
          transitions: workflow.transitions.map((t) => ({
            id: t.id,
            name: t.name,
            to: { name: t.to, statusCategory: { key: JIRA_WORKFLOW[t.to]!.category } },
            hasScreen: !!t.resolution,
            ...(withFields
              ? { fields: t.resolution ? { resolution: { required: true, name: 'Resolution' } } : {} }
              : {}),
          })),
        });
      }
      if (method !== 'POST') return this.jiraError(405, ['Method not allowed']);
      const b = (body ?? {}) as { transition?: { id?: unknown }; fields?: { resolution?: { name?: unknown } } };
      const transition = workflow.transitions.find((t) => t.id === String(b.transition?.id ?? ''));
      if (!transition) return this.jiraError(400, [`Transition id '${b.transition?.id}' is not valid for this issue.`]);
      if (transition.resolution && typeof b.fields?.resolution?.name !== 'string') {
        return this.jiraError(400, [], { resolution: 'Resolution is required.' });
      }
      issue.status = transition.to;
      if (transition.resolution) issue.fields.resolution = { name: b.fields!.resolution!.name };
      return json(204);
    }
    if (method === 'GET') {
      return json(200, {
        id: issue.id,
        key: issue.key,
        fields: {
          ...issue.fields,
          status: { name: issue.status, statusCategory: { key: JIRA_WORKFLOW[issue.status]!.category } },
          priority: { name: issue.priority },
          assignee: issue.assignee ? { accountId: issue.assignee } : null,
        },
      });
    }
    if (method !== 'PUT') return this.jiraError(405, ['Method not allowed']);
    const b = (body ?? {}) as { fields?: Record<string, unknown>; update?: unknown };
    if (!b.fields || typeof b.fields !== 'object') return this.jiraError(400, ['No fields or update given']);
    const errors: Record<string, string> = {};
    for (const [field, value] of Object.entries(b.fields)) {
      if (field === 'priority') {
        const name = (value as { name?: unknown })?.name;
        if (typeof name !== 'string' || !JIRA_PRIORITIES.includes(name))
          errors.priority = `Specify a valid priority name (${JIRA_PRIORITIES.join(', ')})`;
      } else if (field === 'assignee') {
        const accountId = (value as { accountId?: unknown })?.accountId;
        if (typeof accountId !== 'string' || !this.jira.users.some((u) => u.accountId === accountId))
          errors.assignee = `User '${String(accountId)}' cannot be assigned issues.`;
      } else if (!field.startsWith('customfield_') && field !== 'labels') {
        errors[field] = `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`;
      }
    }
    if (Object.keys(errors).length) return this.jiraError(400, [], errors);
    for (const [field, value] of Object.entries(b.fields)) {
      if (field === 'priority') issue.priority = (value as { name: string }).name;
      else if (field === 'assignee') issue.assignee = (value as { accountId: string }).accountId;
      else issue.fields[field] = value;
    }
    return json(204);
  }

  /** `POST /rest/api/3/issue`: project, issue type and summary required; the description must be ADF (v3). */
  private jiraCreate(body: unknown): Reply {
    const fields = (body as { fields?: Record<string, unknown> })?.fields;
    if (!fields || typeof fields !== 'object') return this.jiraError(400, ['fields is required']);
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: string } | undefined)?.key;
    if (!project) errors.project = 'Specify a valid project ID or key';
    if (!(fields.issuetype as { name?: string } | undefined)?.name) errors.issuetype = 'Specify an issue type';
    if (typeof fields.summary !== 'string' || !fields.summary)
      errors.summary = 'You must specify a summary of the issue.';
    if (fields.description !== undefined && (fields.description as { type?: string })?.type !== 'doc')
      errors.description = 'Operation value must be an Atlassian Document';
    if (Object.keys(errors).length) return this.jiraError(400, [], errors);
    const count = new Set(this.jira.issues.values()).size;
    const id = String(30_000 + count + 1);
    const key = `${project}-${count + 1}`;
    const issue = this.seedJiraIssue({ id, key, summary: String(fields.summary) });
    issue.fields = { ...issue.fields, ...fields };
    if ((fields.priority as { name?: string } | undefined)?.name)
      issue.priority = (fields.priority as { name: string }).name;
    return json(201, { id, key, self: `${this.url}/rest/api/3/issue/${id}` });
  }

  // --- Zendesk Tickets API ---
  private zendeskApi(method: string, path: string, query: Record<string, string>, body: unknown): Reply {
    if (method === 'GET' && path === '/api/v2/groups')
      return json(200, { groups: this.zendesk.groups, next_page: null, count: this.zendesk.groups.length });
    if (method === 'GET' && path === '/api/v2/users/search') {
      const q = (query.query ?? '').toLowerCase().replace(/^email:/, '');
      const users = this.zendesk.users.filter((u) => u.email.toLowerCase() === q || u.name.toLowerCase().includes(q));
      return json(200, { users, next_page: null, count: users.length });
    }
    if (path === '/api/v2/tickets' && method === 'GET') {
      const tickets = [...this.zendesk.tickets.values()]
        .filter((t) => !query.external_id || t.external_id === query.external_id)
        .map(({ comments: _, ...visible }) => visible);
      return json(200, { tickets, next_page: null, count: tickets.length });
    }
    if (path === '/api/v2/tickets' && method === 'POST') {
      const ticket = (body as { ticket?: Record<string, unknown> })?.ticket;
      if (!ticket || typeof ticket !== 'object')
        return json(400, { error: 'InvalidValue', description: "The 'ticket' object is required" });
      const comment = ticket.comment as { body?: string; public?: boolean } | undefined;
      if (!comment?.body) return json(422, { error: 'RecordInvalid', description: 'Description: cannot be blank' });
      const id = 90_000 + this.zendesk.tickets.size + 1;
      const created = this.seedZendeskTicket({
        id,
        subject: String(ticket.subject ?? ''),
        ...(typeof ticket.priority === 'string' ? { priority: ticket.priority } : {}),
      });
      created.external_id = ticket.external_id ?? null;
      created.tags = ticket.tags ?? [];
      if (typeof ticket.group_id === 'number') created.group_id = ticket.group_id;
      created.comments.push({
        id: id * 10,
        body: comment.body,
        plain_body: comment.body,
        public: comment.public !== false,
        author_id: 1,
        created_at: new Date().toISOString(),
      });
      const { comments: _, ...visible } = created;
      return json(201, { ticket: visible });
    }
    const match = /^\/api\/v2\/tickets\/(\d+)(\/comments)?$/.exec(path);
    if (!match) return json(404, { error: 'InvalidEndpoint', description: 'Not found' });
    if (this.options.autoCreate && !this.zendesk.tickets.has(Number(match[1])))
      this.seedZendeskTicket({ id: Number(match[1]) });
    const ticket = this.zendesk.tickets.get(Number(match[1]));
    if (!ticket) return json(404, { error: 'RecordNotFound', description: 'Not found' });
    if (match[2]) {
      if (method !== 'GET') return json(405, { error: 'MethodNotAllowed' });
      const comments = query.sort_order === 'desc' ? [...ticket.comments].reverse() : ticket.comments;
      return json(200, { comments, next_page: null, previous_page: null, count: comments.length });
    }
    const { comments: _, ...visible } = ticket;
    if (method === 'GET') return json(200, { ticket: visible });
    if (method !== 'PUT') return json(405, { error: 'MethodNotAllowed' });
    const update = (body as { ticket?: Record<string, unknown> })?.ticket;
    if (!update || typeof update !== 'object')
      return json(400, { error: 'InvalidValue', description: "The 'ticket' object is required" });
    const details: Record<string, Array<{ description: string }>> = {};
    for (const key of Object.keys(update))
      if (!ZENDESK_TICKET_FIELDS.has(key))
        details[key] = [{ description: `${key} is not a ticket field this contract knows` }];
    if (update.status !== undefined && !ZENDESK_STATUSES.has(String(update.status)))
      details.status = [{ description: `Status: ${update.status} is not valid` }];
    if (update.priority !== undefined && !ZENDESK_PRIORITIES.has(String(update.priority)))
      details.priority = [{ description: `Priority: ${update.priority} is not valid` }];
    if (update.group_id !== undefined && !this.zendesk.groups.some((g) => g.id === update.group_id))
      details.group_id = [{ description: `Group: ${update.group_id} is not a group (a number is expected)` }];
    if (update.assignee_id !== undefined && !this.zendesk.users.some((u) => u.id === update.assignee_id))
      details.assignee_id = [{ description: 'Assignee is not an agent' }];
    const comment = update.comment as { body?: unknown; html_body?: unknown; public?: unknown } | undefined;
    if (comment !== undefined) {
      if (typeof comment !== 'object' || (typeof comment.body !== 'string' && typeof comment.html_body !== 'string')) {
        details.comment = [{ description: 'Comment: body is required' }];
      } else if (comment.public !== undefined && typeof comment.public !== 'boolean') {
        details.comment = [{ description: 'Comment: public must be true or false' }];
      }
    }
    if (Object.keys(details).length)
      return json(422, { error: 'RecordInvalid', description: 'Record validation errors', details });
    let audit: Record<string, unknown> | undefined;
    if (comment) {
      const text = String(comment.body ?? comment.html_body);
      const added: ZendeskComment = {
        id: this.nextId++,
        body: text,
        plain_body: text,
        public: comment.public !== false,
        author_id: 800001,
        created_at: now(),
      };
      ticket.comments.push(added);
      audit = {
        id: this.nextId++,
        ticket_id: ticket.id,
        events: [{ type: 'Comment', id: added.id, body: text, public: added.public }],
      };
    }
    for (const key of ['status', 'priority', 'group_id', 'assignee_id', 'tags', 'subject', 'type']) {
      if (update[key] !== undefined) (ticket as Record<string, unknown>)[key] = update[key];
    }
    ticket.updated_at = now();
    const { comments: __, ...after } = ticket;
    return json(200, { ticket: after, ...(audit ? { audit } : {}) });
  }

  /** The journal of a ServiceNow record: `work_notes` and `comments` entries in order. */
  journalOf(sysIdValue: string): JournalEntry[] {
    return this.servicenow.journal.filter((j) => j.element_id === sysIdValue);
  }

  /** Plain text of a Jira issue's comments, in order. */
  jiraCommentTexts(key: string): string[] {
    return (this.jira.issues.get(key)?.comments ?? []).map((c) => adfText(c.body));
  }
}

/** Starts a contract server on a free loopback port. */
export async function startItsmContractServer(options: ContractServerOptions = {}): Promise<ItsmContractServer> {
  const server = new ItsmContractServer(options);
  await server.listen();
  return server;
}

// `tsx test/support/itsm-contract-server.ts [port]` runs it on its own (for `LUMOS_ITSM_<SOURCE>_URL=... npm start`),
// printing every call; tickets are created on first sight, so any webhook's ticket can be written to.
if (require.main === module) {
  const server = new ItsmContractServer({ autoCreate: true });
  server
    .listen(Number(process.argv[2] ?? 0))
    .then((url) => {
      console.log(`ITSM contract server on ${url} (ServiceNow /api/now, Jira /rest/api/3, Zendesk /api/v2)`);
      setInterval(() => {
        for (const call of server.calls.splice(0))
          console.log(`${call.vendor} ${call.status} ${call.method} ${call.path}`);
      }, 500);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
