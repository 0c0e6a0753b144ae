import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Page } from 'playwright-core';
import { eventually, type LocalLumos, sign, startLocalLumos } from '../support/local-runtime';
import { CRASH_LOOP, serviceLogsDir } from '../support/service-logs';
import { type ConsoleBrowser, findChromium, launchChromium } from './console-browser';

/**
 * The operator console in a real headless Chromium against the local runtime: an operator approves a pending
 * action from the console and the execution resumes; the incident view shows the timeline.
 */

const secret = 'e2e-console-secret';
const requester = 'rita.requester@example.com';
const operator = 'omar.operator@example.com';

/** Services the approved runbook acts on: unhealthy until restarted through their admin endpoint. */
function startTargets(): Promise<{ server: Server; url: string; restarts: Map<string, number> }> {
  const restarts = new Map<string, number>();
  const server = createServer((req, res) => {
    const [, , name = '', ...rest] = (req.url ?? '').split('/');
    const path = `/${rest.join('/')}`;
    req.resume();
    if (req.method === 'GET' && path === '/health') res.writeHead(restarts.get(name) ? 200 : 503).end();
    else if (req.method === 'POST' && path === '/admin/restart') {
      restarts.set(name, (restarts.get(name) ?? 0) + 1);
      res.writeHead(202).end('{"restarting":true}');
    } else res.writeHead(404).end();
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () =>
      done({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, restarts }),
    ),
  );
}

function serviceNowRecord(id: string, title: string, service: string, impact = 2, urgency = 2): string {
  return JSON.stringify({
    result: {
      sys_id: `console${id}${Date.now()}`,
      number: `INC77${id}`,
      short_description: title,
      description: `${title}. Customers see errors.`,
      impact: String(impact),
      urgency: String(urgency),
      state: '1',
      category: 'application',
      sys_mod_count: '0',
      sys_created_on: '2026-11-20 09:42:10',
      sys_updated_on: '2026-11-20 09:42:10',
      cmdb_ci: { value: `ci-${service}`, display_value: service },
      caller_id: { value: 'u-rita', display_value: requester },
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: assertions walk the incident's JSON freely
type Json = Record<string, any>;

describe('operator console in headless Chromium', () => {
  let lumos: LocalLumos;
  let targets: Awaited<ReturnType<typeof startTargets>>;
  let chromium: ConsoleBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const found = findChromium();
    if ('missing' in found) throw new Error(`${found.missing}. .ci/run installs it with scripts/install-browser.sh.`);
    targets = await startTargets();
    const service = (name: string) => ({
      domain: 'commerce',
      environment: 'production',
      targets: { http: `${targets.url}/svc/${name}` },
    });
    const overrides = {
      // One approver group, pinned, so the test does not depend on which group triage picks.
      tiers: {
        medium: {
          approverGroup: 'Console Approvers',
          timeoutSeconds: 300,
          reminderBeforeSeconds: 60,
          heartbeatSeconds: 120,
        },
      },
      approverGroups: { 'Console Approvers': [requester, operator] },
      services: { 'inventory-svc': service('inventory') },
      freezes: [],
    };
    [lumos, chromium] = await Promise.all([
      startLocalLumos({
        LUMOS_WEBHOOK_SECRET_SERVICENOW: secret,
        LUMOS_GOVERNANCE_OVERRIDES: JSON.stringify(overrides),
        // The services crash-loop: their logs are the evidence the diagnosis (and so the restart runbook) rests on.
        LUMOS_LOGS_DIR: serviceLogsDir({ 'inventory-svc': CRASH_LOOP }),
        LUMOS_APPROVAL_LINK_KEY: 'e2e-console-link-key',
        LUMOS_TIMER_POLL_MS: '250',
      }),
      launchChromium(),
    ]);
    // The operator says who they are once; the console keeps it (approval links are personal).
    await chromium.context.addInitScript(`localStorage.setItem('lumos.identity', ${JSON.stringify(operator)})`);
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 150_000);

  afterAll(async () => {
    await chromium?.close();
    await lumos?.stop();
    targets?.server.close();
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  const getJson = async (path: string): Promise<Json> => (await (await fetch(`${lumos.api}${path}`)).json()) as Json;

  async function openIncident(
    id: string,
    title: string,
    service: string,
    impact?: number,
    urgency?: number,
  ): Promise<string> {
    const body = serviceNowRecord(id, title, service, impact, urgency);
    const response = await fetch(`${lumos.api}/webhooks/servicenow`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'X-Lumos-Signature': sign(secret, body) },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { incidentId: string }).incidentId;
  }

  const incidentIn = (incidentId: string, statuses: string[]) =>
    eventually(
      async () => {
        const incident = await getJson(`/incidents/${incidentId}`);
        return statuses.includes(incident.status) ? incident : undefined;
      },
      60_000,
      `incident ${incidentId} in ${statuses.join('/')}`,
    );

  it('serves the console as static files with a strict content security policy', async () => {
    const index = await fetch(`${lumos.api}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const script = await fetch(`${lumos.api}/console/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${lumos.api}/console/nothing.js`)).status).toBe(404);
  });

  it('an operator approves a pending action from the console and the execution resumes', async () => {
    const incidentId = await openIncident('1', 'Inventory service not responding', 'inventory-svc');
    const waiting = await incidentIn(incidentId, ['awaiting_approval']);
    expect(waiting.agents.plan).toMatchObject({ riskTier: 'medium', requiresApproval: true });
    expect(targets.restarts.get('inventory') ?? 0).toBe(0);

    // The operator opens the console once the request has reached them (the status flips a moment before the
    // messages go out); the console finds their personal link in that message.
    await eventually(
      async () => {
        const inbox = await getJson(`/notifications?channel=approval&recipient=${encodeURIComponent(operator)}`);
        return inbox.notifications.some((n: { incidentId?: string }) => n.incidentId === incidentId) ? true : undefined;
      },
      30_000,
      `the approval request for ${incidentId} to reach ${operator}`,
    );
    await page.goto(`${lumos.api}/console/#/approvals`);
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    const card = page.locator('.approval-card', { hasText: 'INC771' });
    await card.waitFor({ timeout: 20_000 });
    // What the operator decides on: the agent's reasoning and the exact action, runbook and parameters included.
    await expect(card.getByRole('heading', { name: 'Why the agent proposes this' }).isVisible()).resolves.toBe(true);
    const action = await card.locator('.exact-action').textContent();
    expect(action).toMatch(/Run runbook/);
    expect(action).toMatch(/restart-service/);
    // The card renders first; the operator's personal link is looked up after it, so wait for it to fill in.
    await card.locator('.decision', { hasText: `Deciding as ${operator}` }).waitFor({ timeout: 20_000 });
    expect(await card.locator('.decision').textContent()).toContain(`Deciding as ${operator}`);

    await card.getByLabel('Comment (optional, recorded in the audit trail)').fill('restart is safe now');
    await card.getByRole('button', { name: 'Approve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve and run?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await card.locator('.decision-status.ok').waitFor({ timeout: 20_000 });
    expect(await card.locator('.decision-status').textContent()).toMatch(/^Approved: .*resumes/);

    // The execution resumed past the human gate, ran the approved runbook and verified the recovery.
    await incidentIn(incidentId, ['resolved', 'needs_human']);
    const done = await eventually(
      async () => {
        const found = await getJson(`/incidents/${incidentId}`);
        return found.outcome ? found : undefined;
      },
      60_000,
      `the outcome of ${incidentId}`,
    );
    expect(done.status).toBe('resolved');
    expect(done.outcome).toMatchObject({ class: 'agent-mitigated', personNeeded: false });
    expect(done.agents.execution.runbook).toMatchObject({ runbookId: 'restart-service', status: 'succeeded' });
    expect(targets.restarts.get('inventory')).toBe(1);
    const decided = done.timeline.find((e: Json) => e.type === 'approval.decided');
    expect(decided).toMatchObject({ actor: `human:${operator}` });
    expect(decided.summary).toContain('restart is safe now');

    const sfn = new SFNClient({
      endpoint: lumos.sfnEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const execution = await eventually(
      async () => {
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: waiting.executionArn }));
        return described.status === 'RUNNING' ? undefined : described;
      },
      30_000,
      'the execution to finish',
    );
    expect(execution.status).toBe('SUCCEEDED');
    const history = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: waiting.executionArn, maxResults: 1000 }),
    );
    const entered = (history.events ?? []).flatMap((e) =>
      e.stateEnteredEventDetails?.name ? [e.stateEnteredEventDetails.name] : [],
    );
    expect(entered.indexOf('ExecutePlan')).toBeGreaterThan(entered.indexOf('HumanGate'));
    expect(entered.indexOf('HumanGate')).toBeGreaterThanOrEqual(0);
  });

  it('the incident view shows the timeline, the triage rationale and a verified audit chain', async () => {
    const [incident] = (await getJson('/incidents?limit=5')).incidents as Json[];
    await page.goto(`${lumos.api}/console/#/incidents/${incident.incidentId}`);
    await page.getByRole('heading', { level: 1, name: incident.title }).waitFor();

    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.waitFor();
    const entries = timeline.locator('ol.timeline > li');
    expect(await entries.count()).toBeGreaterThanOrEqual(incident.timeline.length);
    const text = await timeline.textContent();
    for (const type of [
      'incident.created',
      'agent.triage',
      'approval.requested',
      'approval.decided',
      'plan.executed',
    ]) {
      expect(text).toContain(type);
    }
    expect(text).toContain(operator);

    // Only people's entries, when asked.
    await timeline.getByLabel('People').check();
    const human = await timeline.locator('ol.timeline > li').allInnerTexts();
    expect(human.length).toBeGreaterThan(0);
    expect(human.every((line) => line.includes(operator))).toBe(true);

    const triage = page.getByRole('region', { name: 'Triage' });
    expect(await triage.textContent()).toContain(incident.triage.rationale);
    // The diagnosis the plan acted on: the crash loop the service's logs show, with the evidence it cites.
    const diagnosis = page.getByRole('region', { name: 'Diagnosis' });
    const diagnosed = await diagnosis.textContent();
    expect(diagnosed).toContain('on inventory-svc');
    expect(diagnosed).toContain('log:inventory-svc:');
    await page
      .getByRole('region', { name: 'Audit verification' })
      .getByText('Chain intact.')
      .waitFor({ timeout: 20_000 });
  });

  it('the queue shows priorities and live SLA clocks, and is usable from the keyboard', async () => {
    const p1 = await openIncident('2', 'Checkout payments failing for all customers', 'checkout-api', 1, 1);
    await eventually(
      async () => ((await getJson(`/incidents/${p1}`)).triage ? true : undefined),
      30_000,
      'triage of the P1',
    );
    await page.goto(`${lumos.api}/console/#/incidents`);
    const row = page.locator('table.queue tbody tr').first();
    await row.waitFor();
    expect(await row.locator('.badge').textContent()).toBe('P1');
    const clock = row.locator('.sla .sla-time');
    const before = await clock.textContent();
    expect(before).toMatch(/^\d+:\d{2}(:\d{2})?$/);
    await page.waitForTimeout(2100);
    expect(await clock.textContent()).not.toBe(before);

    await page.locator('body').press('/');
    await page.keyboard.type('checkout');
    expect(await page.locator('table.queue tbody tr').count()).toBe(1);
    // Leave the search field (shortcuts never fire while typing) by focusing the page heading.
    await page.getByRole('heading', { level: 1 }).focus();
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Checkout payments failing for all customers' }).waitFor();
    await page.keyboard.press('g');
    await page.keyboard.press('m');
    await page.getByRole('heading', { level: 1, name: 'Outcome metrics' }).waitFor();
  });

  it('has landmarks, a skip link that keeps the route, and a name for every control', async () => {
    await page.goto(`${lumos.api}/console/#/incidents`);
    await page.getByRole('heading', { level: 1, name: 'Incident queue' }).waitFor();
    await expect(page.getByRole('banner').count()).resolves.toBe(1);
    await expect(page.getByRole('navigation', { name: 'Console' }).count()).resolves.toBe(1);
    await expect(page.getByRole('main').count()).resolves.toBe(1);
    // Runs in the page (a string, since this file is type-checked without the DOM library).
    const unnamed = await page.evaluate<
      string[]
    >(`[...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => !el.closest('[hidden], dialog:not([open])'))
      .filter((el) => !(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.labels?.length
        || (el.textContent ?? '').trim() || el.getAttribute('title')))
      .map((el) => el.outerHTML.slice(0, 80))`);
    expect(unnamed).toEqual([]);
    // A fresh load: the skip link is the first stop.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Incident queue' }).waitFor();
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string[]>('[location.hash, document.activeElement?.id]')).toEqual([
      '#/incidents',
      'main',
    ]);
  });

  it('the metrics view charts outcomes split by AI and people, with the numbers as tables', async () => {
    await page.goto(`${lumos.api}/console/#/metrics?days=7`);
    await page.getByRole('heading', { level: 1, name: 'Outcome metrics' }).waitFor();
    await page.locator('figure.chart').first().waitFor();
    expect(await page.locator('figure.chart svg[role=img]').count()).toBe(3);
    const kpis = await page.getByRole('list', { name: 'Key figures' }).textContent();
    expect(kpis).toContain('MTTA');
    expect(kpis).toContain('MTTR');
    // The approval decided above is a person's: approval latency has a human figure.
    const summary = await getJson('/metrics/summary?days=7');
    expect(summary.metrics.approvalLatency.human.count).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: `${lumos.home}/metrics.png` });
  });
});
