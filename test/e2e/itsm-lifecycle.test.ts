import { createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ItsmContractServer, startItsmContractServer } from '../support/itsm-contract-server';
import { eventually, type LocalLumos, sign, startLocalLumos } from '../support/local-runtime';

/**
 * The ITSM write-back under `npm start`: the real connectors pointed at the contract server through
 * LUMOS_ITSM_<SOURCE>_URL, one incident per vendor from webhook to handoff, a catalogue request fulfilled end to
 * end, faults on the way (a 429 with Retry-After, a lost response), and people's changes flowing back.
 */

const SECRET = 'local-dev-secret';
const SNOW_SYS_ID = '46b66a40a9fe198101f243dfbc79033d';
const RESPONDERS = 'E2E Responders';
const GROUP_SYS_ID = 'e2e0000000000000000000000000e2e0';

// biome-ignore lint/suspicious/noExplicitAny: agent results are read loosely here, the unit tests type them
type Loose = Record<string, any>;

interface Incident {
  incidentId: string;
  status: string;
  priority: string;
  timeline: Array<{ type: string; actor: string; summary: string }>;
  agents: Loose;
}

/** A stand-in identity directory the reset-password runbook calls, as the demo estate's contract describes it. */
function startDirectory(): Promise<{ server: Server; url: string; resets: string[] }> {
  const resets: string[] = [];
  const locked = new Set(['ana.lima@example.com']);
  const resetAt = new Map<string, string>();
  const server = createServer((req, res) => {
    req.resume();
    const url = decodeURIComponent(req.url ?? '');
    const user = /^\/users\/([^/]+)/.exec(url)?.[1];
    res.setHeader('content-type', 'application/json');
    if (!user?.endsWith('@example.com')) {
      res.writeHead(404).end('{}');
      return;
    }
    if (req.method === 'POST' && url.endsWith('/password-reset')) {
      resets.push(user);
      resetAt.set(user, new Date().toISOString());
      res.writeHead(200).end(JSON.stringify({ ok: true, user, resetAt: resetAt.get(user) }));
      return;
    }
    if (req.method === 'POST' && url.endsWith('/unlock')) {
      locked.delete(user);
      res.writeHead(200).end(JSON.stringify({ ok: true, user, locked: false }));
      return;
    }
    res
      .writeHead(200)
      .end(JSON.stringify({ user, locked: locked.has(user), passwordResetAt: resetAt.get(user) ?? null, groups: [] }));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, resets }),
    ),
  );
}

describe('ITSM write-back on the local runtime, against the contract server', () => {
  let lumos: LocalLumos;
  let itsm: ItsmContractServer;
  let directory: Awaited<ReturnType<typeof startDirectory>>;
  let dir: string;
  const latencies: Record<string, number> = {};

  beforeAll(async () => {
    itsm = await startItsmContractServer();
    itsm.servicenow.groups.push({ sys_id: GROUP_SYS_ID, name: RESPONDERS });
    itsm.zendesk.groups.push({ id: 360009999, name: RESPONDERS });
    directory = await startDirectory();
    dir = mkdtempSync(join(tmpdir(), 'lumos-itsm-e2e-'));

    // Runbooks: the project's own, the service catalogue's included.
    const runbooks = join(dir, 'runbooks');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(runbooks);
    const folder = join(__dirname, '../../runbooks');
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.yaml')))
      copyFileSync(join(folder, file), join(runbooks, file));
    // One team for every category, always staffed, one person on call: routing is the same whenever the test runs.
    const teams = {
      skills: Object.fromEntries(
        [
          'network',
          'database',
          'application',
          'infrastructure',
          'storage',
          'security',
          'certificate',
          'access',
          'email',
          'hardware',
          'general',
        ].map((c) => [c, [RESPONDERS]]),
      ),
      fallbackGroup: RESPONDERS,
      teams: {
        [RESPONDERS]: {
          capacity: 50,
          hours: {
            days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
            from: '00:00',
            to: '23:59',
            timezone: 'UTC',
          },
          onCall: {
            rotation: { start: '2026-01-05T00:00:00Z', shiftHours: 24, members: ['femi.adeyemi@example.com'] },
          },
        },
      },
      people: {
        'femi.adeyemi@example.com': {
          name: 'Femi Adeyemi',
          ids: { servicenow: 'femi.adeyemi', jira: '5b10ac8d82e05b22cc7d4ef5', zendesk: '900001' },
        },
      },
    };
    writeFileSync(join(dir, 'teams.json'), JSON.stringify(teams));
    const always = [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '23:59', timezone: 'UTC' },
    ];
    const governance = {
      // P1s wait for a real-time review that nobody gives here: the gate times out fast and escalates.
      tiers: {
        medium: { timeoutSeconds: 3, reminderBeforeSeconds: 1, heartbeatSeconds: 2, fallback: { action: 'escalate' } },
        high: { timeoutSeconds: 3, reminderBeforeSeconds: 1, heartbeatSeconds: 2, fallback: { action: 'escalate' } },
      },
      services: {
        'identity-directory': {
          domain: 'end-user',
          environment: 'service-requests',
          targets: { http: directory.url },
        },
      },
      changeWindows: { 'service-requests': always },
      freezes: [],
    };
    lumos = await startLocalLumos({
      LUMOS_ITSM_SERVICENOW_URL: itsm.url,
      LUMOS_ITSM_JIRA_URL: itsm.url,
      LUMOS_ITSM_ZENDESK_URL: itsm.url,
      LUMOS_RUNBOOK_DIR: runbooks,
      LUMOS_TEAMS_FILE: join(dir, 'teams.json'),
      LUMOS_GOVERNANCE_OVERRIDES: JSON.stringify(governance),
      LUMOS_TIMER_POLL_MS: '200',
    });
  }, 180_000);

  afterAll(async () => {
    await lumos?.stop();
    await itsm?.close();
    directory?.server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // Figures for the report: delivery -> first work note, per vendor.
    console.log(`delivery -> first note (ms): ${JSON.stringify(latencies)}`);
  });

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${lumos.api}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const incident = async (id: string) => (await (await fetch(`${lumos.api}/incidents/${id}`)).json()) as Incident;
  const finished = (id: string) =>
    eventually(
      async () => {
        const found = await incident(id);
        return found.timeline.some((e) => e.type === 'workflow.completed') ? found : undefined;
      },
      120_000,
      `the workflow of ${id} to finish`,
    );
  const notesFor = async (recipient: string) =>
    (
      (await (
        await fetch(`${lumos.api}/notifications?channel=itsm&recipient=${encodeURIComponent(recipient)}`)
      ).json()) as {
        notifications: Array<{ text: string; data: Loose }>;
      }
    ).notifications;

  const snowRecord = (changes: Record<string, unknown> = {}) =>
    JSON.stringify({
      result: {
        sys_id: SNOW_SYS_ID,
        number: 'INC0010042',
        short_description: 'VPN tunnel drops every few minutes for the whole Berlin office',
        description: 'Since 09:00 every user in Berlin loses the VPN connection every 5 minutes. Sales cannot work.',
        impact: '1',
        urgency: '1',
        priority: '1',
        state: '1',
        category: 'network',
        caller_id: 'ana.lima',
        sys_mod_count: '0',
        sys_updated_on: '2026-11-20 09:05:00',
        sys_updated_by: 'ana.lima',
        ...changes,
      },
    });

  it("ServiceNow: the first response and the handoff packet are PATCHed onto the incident, and people's changes flow back", async () => {
    itsm.seedServiceNowIncident({ sys_id: SNOW_SYS_ID, number: 'INC0010042', short_description: 'VPN tunnel drops' });
    const body = snowRecord();
    const answer = (await (
      await post('/webhooks/servicenow', body, { 'X-Lumos-Signature': sign(SECRET, body) })
    ).json()) as { incidentId: string; status: string };
    expect(answer.status).toBe('created');
    const done = await finished(answer.incidentId);

    expect(itsm.sequence('servicenow')).toEqual([
      '200 GET /api/now/table/sys_user_group',
      '200 GET /api/now/table/sys_user',
      `200 PATCH /api/now/table/incident/${SNOW_SYS_ID}`,
      `200 PATCH /api/now/table/incident/${SNOW_SYS_ID}`,
    ]);
    const [first, handoff] = itsm
      .callsOf('servicenow', { writesOnly: true })
      .map((c) => c.body as Record<string, string>);
    expect(first).toEqual({
      work_notes: expect.stringContaining('## Lumos first response'),
      state: '2',
      assignment_group: GROUP_SYS_ID,
      assigned_to: '46d44a23a9fe19810012d100cca80666',
    });
    expect(first!.work_notes).toMatch(/\*\*Triage:\*\* P1 /);
    expect(first!.work_notes).toContain('## Top knowledge');
    expect(first!.work_notes).toContain('## Next steps');
    expect(handoff).toEqual({
      work_notes: expect.stringContaining('## Lumos handoff: nobody decided on the planned response in time'),
      state: '2',
      assignment_group: GROUP_SYS_ID,
      assigned_to: '46d44a23a9fe19810012d100cca80666',
    });
    for (const section of ['Triage reasoning', 'Knowledge', 'Actions tried', 'Suggested next steps', 'History']) {
      expect(handoff!.work_notes).toContain(`## ${section}`);
    }
    expect(itsm.journalOf(SNOW_SYS_ID).map((j) => j.element)).toEqual(['work_notes', 'work_notes']);

    expect(done.agents.handoff).toMatchObject({
      needed: true,
      to: { group: RESPONDERS, assignee: { name: 'Femi Adeyemi' } },
    });
    expect(done.agents.itsm.writes).toMatchObject({
      'first-response': { status: 'written' },
      handoff: { status: 'written' },
    });
    expect(done.agents.firstResponse).toMatchObject({ status: 'written', latencyMs: expect.any(Number) });
    latencies.servicenow = done.agents.firstResponse.latencyMs;
    // Connector writes carry their idempotency key (other steps also note things for the ticket on this channel).
    const outbox = (await notesFor('servicenow:INC0010042')).filter((n) => n.data?.idempotencyKey);
    expect(outbox).toHaveLength(2);
    expect(outbox.every((n) => n.data.delivered === 'vendor-api')).toBe(true);

    // The vendor's webhook for Lumos' own write comes back: recognised and ignored.
    const record = itsm.servicenow.incidents.get(SNOW_SYS_ID)!;
    const echo = snowRecord({
      state: record.state,
      sys_mod_count: record.sys_mod_count,
      sys_updated_on: '2026-11-20 09:06:00',
      sys_updated_by: 'lumos',
      work_notes: itsm.journalOf(SNOW_SYS_ID)[1]!.value,
    });
    const echoed = (await (
      await post('/webhooks/servicenow', echo, { 'X-Lumos-Signature': sign(SECRET, echo) })
    ).json()) as { status: string };
    expect(echoed.status).toBe('ignored');

    // A person lowers the priority, then resolves it: both flow back into the incident.
    const lowered = snowRecord({
      impact: '1',
      urgency: '2',
      priority: '2',
      state: '2',
      sys_mod_count: '5',
      sys_updated_on: '2026-11-20 09:20:00',
      sys_updated_by: 'femi.adeyemi',
    });
    const update = (await (
      await post('/webhooks/servicenow', lowered, { 'X-Lumos-Signature': sign(SECRET, lowered) })
    ).json()) as { status: string };
    expect(update.status).toBe('updated');
    expect((await incident(answer.incidentId)).priority).toBe('P2');
    const resolvedBody = snowRecord({
      impact: '1',
      urgency: '2',
      priority: '2',
      state: '6',
      sys_mod_count: '6',
      sys_updated_on: '2026-11-20 09:40:00',
      sys_updated_by: 'femi.adeyemi',
    });
    const resolved = (await (
      await post('/webhooks/servicenow', resolvedBody, { 'X-Lumos-Signature': sign(SECRET, resolvedBody) })
    ).json()) as { status: string };
    expect(resolved.status).toBe('resolved');
    expect((await incident(answer.incidentId)).status).toBe('resolved');
    // Nothing Lumos received made it write again.
    expect(itsm.callsOf('servicenow', { writesOnly: true })).toHaveLength(2);
  }, 240_000);

  it('Jira: ADF comments, assignee and transitions, with a 429 retried after its Retry-After and nothing posted twice', async () => {
    itsm.seedJiraIssue({ id: '10400', key: 'OPS-15', priority: 'Highest' });
    itsm.failNext({
      vendor: 'jira',
      method: 'POST',
      path: '/rest/api/3/issue/OPS-15/comment',
      status: 429,
      retryAfter: '1',
    });
    const body = JSON.stringify({
      webhookEvent: 'jira:issue_created',
      timestamp: Date.now(),
      user: { accountId: '5b10a2844c20165700ede21g', emailAddress: 'maya.cohen@example.com' },
      issue: {
        id: '10400',
        key: 'OPS-15',
        self: 'https://acme.atlassian.net/rest/api/3/issue/10400',
        fields: {
          summary: 'Checkout API returns 503 for all customers',
          description: 'Since the 10:00 deploy every checkout fails with 503. Revenue impact.',
          priority: { name: 'Highest' },
          status: { name: 'To Do', statusCategory: { key: 'new' } },
          issuetype: { name: 'Incident' },
          project: { key: 'OPS' },
          reporter: { accountId: '5b10a2844c20165700ede21g', emailAddress: 'maya.cohen@example.com' },
        },
      },
    });
    const answer = (await (await post('/webhooks/jira', body, { 'X-Hub-Signature': sign(SECRET, body) })).json()) as {
      incidentId: string;
      status: string;
    };
    expect(answer.status).toBe('created');
    const done = await finished(answer.incidentId);

    expect(itsm.sequence('jira')).toEqual([
      '429 POST /rest/api/3/issue/OPS-15/comment',
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '204 PUT /rest/api/3/issue/OPS-15',
      '200 GET /rest/api/3/issue/OPS-15/transitions',
      '204 POST /rest/api/3/issue/OPS-15/transitions',
      '201 POST /rest/api/3/issue/OPS-15/comment',
      '204 PUT /rest/api/3/issue/OPS-15',
      '200 GET /rest/api/3/issue/OPS-15/transitions',
      '200 GET /rest/api/3/issue/OPS-15',
    ]);
    const calls = itsm.callsOf('jira');
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(calls[1]!.body).toMatchObject({
      body: { type: 'doc', version: 1 },
      properties: [{ key: 'sd.public.comment', value: { internal: true } }],
    });
    expect(calls[2]!.body).toEqual({ fields: { assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5' } } });
    expect(calls[4]!.body).toEqual({ transition: { id: '11' } });
    const texts = itsm.jiraCommentTexts('OPS-15');
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain('Lumos first response');
    expect(texts[1]).toContain('Lumos handoff');
    expect(itsm.jira.issues.get('OPS-15')).toMatchObject({
      status: 'In Progress',
      assignee: '5b10ac8d82e05b22cc7d4ef5',
    });
    latencies.jira = done.agents.firstResponse.latencyMs;
  }, 240_000);

  it('Zendesk: private notes with status, group and assignee; a lost response is checked, not re-sent', async () => {
    itsm.seedZendeskTicket({ id: 35436, subject: 'Cannot log in to the customer portal' });
    itsm.failNext({ vendor: 'zendesk', method: 'PUT', status: 502, applyFirst: true });
    const now = new Date().toISOString();
    const body = JSON.stringify({
      ticket: {
        id: 35436,
        url: 'https://acme.zendesk.com/api/v2/tickets/35436.json',
        subject: 'Customer portal login fails for every customer',
        description: 'All customers get an error page after SSO login since this morning.',
        priority: 'urgent',
        status: 'new',
        type: 'incident',
        requester_id: 20978392,
        created_at: now,
        updated_at: now,
      },
    });
    const timestamp = new Date().toISOString();
    const signature = createHmac('sha256', SECRET)
      .update(timestamp + body)
      .digest('base64');
    const answer = (await (
      await post('/webhooks/zendesk', body, {
        'X-Zendesk-Webhook-Signature': signature,
        'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
      })
    ).json()) as { incidentId: string; status: string };
    expect(answer.status).toBe('created');
    const done = await finished(answer.incidentId);

    expect(itsm.sequence('zendesk')).toEqual([
      '200 GET /api/v2/groups',
      '502 PUT /api/v2/tickets/35436',
      '200 GET /api/v2/tickets/35436/comments',
      '200 PUT /api/v2/tickets/35436',
    ]);
    const [first, handoff] = itsm
      .callsOf('zendesk', { writesOnly: true })
      .map((c) => (c.body as { ticket: Loose }).ticket);
    expect(first).toMatchObject({
      status: 'open',
      group_id: 360009999,
      assignee_id: 900001,
      comment: { public: false, body: expect.stringContaining('Lumos first response') },
    });
    expect(handoff).toMatchObject({
      status: 'open',
      comment: { public: false, body: expect.stringContaining('Lumos handoff') },
    });
    expect(itsm.zendesk.tickets.get(35436)!.comments).toHaveLength(2);
    expect(done.agents.itsm.writes['first-response']).toMatchObject({ status: 'written', attempt: 1 });
    latencies.zendesk = done.agents.firstResponse.latencyMs;
  }, 240_000);

  it('a password reset request is fulfilled end to end: runbook run, reply to the requester, ticket resolved', async () => {
    itsm.seedJiraIssue({ id: '20007', key: 'HELP-7', priority: 'Medium' });
    const body = JSON.stringify({
      webhookEvent: 'jira:issue_created',
      timestamp: Date.now(),
      issue: {
        id: '20007',
        key: 'HELP-7',
        self: 'https://acme.atlassian.net/rest/api/3/issue/20007',
        fields: {
          summary: 'Please reset my password',
          description: 'I am locked out of my account after the holidays.',
          priority: { name: 'Medium' },
          status: { name: 'To Do', statusCategory: { key: 'new' } },
          issuetype: { name: 'Service Request' },
          project: { key: 'HELP' },
          reporter: { accountId: '5b10ac8d82e05b22cc7d4ef9', emailAddress: 'ana.lima@example.com' },
        },
      },
    });
    const answer = (await (await post('/webhooks/jira', body, { 'X-Hub-Signature': sign(SECRET, body) })).json()) as {
      incidentId: string;
    };
    const done = await finished(answer.incidentId);

    expect(directory.resets).toEqual(['ana.lima@example.com']);
    expect(done.agents.fulfilment).toMatchObject({
      status: 'fulfilled',
      itemId: 'password-reset',
      runbookId: 'reset-password',
      run: { status: 'succeeded' },
    });
    expect(done.status).toBe('resolved');
    const helpCalls = itsm.callsOf('jira').filter((c) => c.path.includes('HELP-7'));
    expect(helpCalls.map((c) => `${c.status} ${c.method} ${c.path}`)).toEqual([
      '201 POST /rest/api/3/issue/HELP-7/comment',
      '200 GET /rest/api/3/issue/HELP-7/transitions',
      '204 POST /rest/api/3/issue/HELP-7/transitions',
      '201 POST /rest/api/3/issue/HELP-7/comment',
      '201 POST /rest/api/3/issue/HELP-7/comment',
      '200 GET /rest/api/3/issue/HELP-7/transitions',
      '204 POST /rest/api/3/issue/HELP-7/transitions',
    ]);
    expect(helpCalls[3]!.body).toHaveProperty('properties');
    expect(helpCalls[4]!.body).not.toHaveProperty('properties');
    expect(itsm.jiraCommentTexts('HELP-7')[2]).toContain('Your password has been reset');
    expect(helpCalls[6]!.body).toEqual({ transition: { id: '31' }, fields: { resolution: { name: 'Done' } } });
    expect(itsm.jira.issues.get('HELP-7')!.status).toBe('Done');
    latencies.jiraRequest = done.agents.firstResponse.latencyMs;
  }, 240_000);
});
