import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dependentsOf,
  EstateDefinitionError,
  loadEstateDefinition,
  parseEstateDefinition,
} from '../../../estate/definition';
import { type RunningEstate, startEstate } from '../../../estate/estate';
import { governanceOverrides, knowledgeArticles, teamsFile, topologyFile } from '../../../estate/generate';
import { AlertTracker, alertmanagerPayload, cloudWatchEvent, evaluateRules } from '../../../estate/monitor';
import { type ChangeEvent, ServiceState } from '../../../estate/service-state';
import { FolderLogSource } from '../../../lambdas/adapters/local/folder-logs';
import { parseTopologyExport } from '../../../lambdas/agents/dependency/topology-export';
import { loadGovernanceConfig } from '../../../lambdas/governance/governance-config';
import { alertmanagerParser } from '../../../lambdas/intake/sources/alertmanager';
import { cloudwatchParser } from '../../../lambdas/intake/sources/cloudwatch';

const estate = loadEstateDefinition();
const context = { receivedAt: new Date(), header: () => undefined };

describe('the estate definition', () => {
  it('describes 8 to 12 services plus the identity directory and the device fleet, each with a team', () => {
    const names = Object.keys(estate.services);
    const catalogue = names.filter((n) => ['identity-directory', 'device-fleet'].includes(n));
    expect(catalogue).toEqual(['identity-directory', 'device-fleet']);
    expect(names.length - catalogue.length).toBeGreaterThanOrEqual(8);
    expect(names.length - catalogue.length).toBeLessThanOrEqual(12);
    for (const service of Object.values(estate.services)) expect(estate.teams[service.team]).toBeDefined();
  });

  it('rejects a dependency on an unknown service and a dependency cycle, naming them', () => {
    const base = `name: x\nenvironment: production\nteams:\n  T: { hours: { days: [mon], from: '08:00', to: '17:00' }, members: [a@example.com] }\n`;
    const svc = (deps: string) =>
      `{ team: T, domain: d, logFormat: json, alerting: cloudwatch, deploys: [{ version: '1', at: -1d, by: ci, change: C1 }], dependsOn: [${deps}] }`;
    expect(() => parseEstateDefinition(`${base}services:\n  a: ${svc('{ id: ghost }')}\n`)).toThrow(
      /unknown service 'ghost'/,
    );
    expect(() =>
      parseEstateDefinition(`${base}services:\n  a: ${svc('{ id: b }')}\n  b: ${svc('{ id: a }')}\n`),
    ).toThrow(EstateDefinitionError);
  });

  it('knows which services a root failure reaches', () => {
    expect(dependentsOf(estate, 'orders-db').sort()).toEqual(
      expect.arrayContaining(['checkout-api', 'payments-api', 'inventory-api', 'notification-svc', 'web-frontend']),
    );
    expect(dependentsOf(estate, 'corp-vpn')).toEqual([]);
  });
});

describe('a service state', () => {
  let now = Date.parse('2026-12-03T10:00:00Z');
  const clock = () => now;
  const make = (name: string) => new ServiceState(name, estate.services[name]!, clock);

  it('a bad deploy survives a restart and is fixed by rolling back to the previous version', () => {
    const payments = make('payments-api');
    payments.inject({ kind: 'bad-deploy', version: '2.15.0', by: 'ci', errorRate: 0.4 });
    expect(payments.version).toBe('2.15.0');
    expect(payments.problems()[0]).toMatchObject({ code: 'bad-deploy' });
    expect(payments.act('restart').ok).toBe(true);
    expect(payments.problems()).toHaveLength(1);
    expect(payments.act('rollback')).toMatchObject({ ok: true });
    expect(payments.version).toBe('2.14.0');
    expect(payments.problems()).toEqual([]);
  });

  it('refuses to roll back without a previous version and to fail over a service that is not a database', () => {
    const vpn = make('corp-vpn');
    expect(vpn.act('rollback')).toMatchObject({ ok: true });
    expect(vpn.act('rollback')).toMatchObject({ ok: false, status: 409 });
    expect(vpn.act('failover')).toMatchObject({ ok: false, status: 409 });
    expect(vpn.act('config-rollback')).toMatchObject({ ok: false, status: 409 });
  });

  it('fills its disk over time until it is unhealthy, and free-disk fixes it', () => {
    const db = make('orders-db');
    db.inject({ kind: 'disk-fill', percentPerMinute: 60 });
    expect(db.problems()).toEqual([]);
    now += 60_000;
    expect(db.problems()[0]).toMatchObject({ code: 'disk', reason: expect.stringContaining('100% full') });
    db.act('free-disk');
    expect(db.diskUsed()).toBeLessThan(50);
    expect(db.problems()).toEqual([]);
  });

  it('exhausts its pool after a config change, which only reverting the config fixes', () => {
    const checkout = make('checkout-api');
    checkout.inject({ kind: 'pool-exhaustion', key: 'pool.maxSize', to: 10, by: 'config-pipeline' });
    expect(checkout.problems()[0]).toMatchObject({ code: 'pool' });
    checkout.act('restart');
    checkout.act('scale', { replicas: 8 });
    expect(checkout.problems()[0]).toMatchObject({ code: 'pool' });
    expect(checkout.act('config-rollback')).toMatchObject({ ok: true });
    expect(checkout.problems()).toEqual([]);
  });

  it('saturates under load until scaled out', () => {
    const search = make('search-api');
    search.inject({ kind: 'load', factor: 3 });
    expect(search.problems()[0]).toMatchObject({ code: 'load' });
    expect(search.act('scale', { replicas: 0 })).toMatchObject({ ok: false, status: 400 });
    search.act('scale', { replicas: 20 });
    expect(search.problems()).toEqual([]);
  });

  it('flaps while the episode lasts and then stops by itself', () => {
    const redis = make('redis-cache');
    redis.inject({ kind: 'flapping', periodSeconds: 20, durationSeconds: 60 });
    const seen = [];
    for (let t = 0; t < 60; t += 5) {
      seen.push(redis.problems().length > 0);
      now += 5_000;
    }
    expect(seen).toContain(true);
    expect(seen).toContain(false);
    now += 10_000;
    expect(redis.problems()).toEqual([]);
    expect(redis.faults).toEqual([]);
  });

  it('brings the certificate close to expiry, expires it at zero days, and rotation renews it', () => {
    const vpn = make('corp-vpn');
    vpn.inject({ kind: 'certificate-expiry', daysLeft: 3 });
    expect(Date.parse(vpn.view({ healthy: true, errorRate: 0, p95LatencyMs: 1 }).certificate.notAfter) - now).toBe(
      3 * 86_400_000,
    );
    expect(vpn.problems()).toEqual([]);
    vpn.inject({ kind: 'certificate-expiry', daysLeft: 0 });
    expect(vpn.problems()[0]).toMatchObject({ code: 'certificate' });
    vpn.act('rotate-certificate');
    expect(vpn.problems()).toEqual([]);
  });

  it('turns a feature flag fault off with the flag and rotates an expired credential', () => {
    const web = make('web-frontend');
    web.inject({ kind: 'feature-flag', flag: 'new-recommendations', errorRate: 0.3 });
    expect(web.problems()[0]).toMatchObject({ code: 'feature-flag' });
    expect(web.act('feature-flag', { flag: 'nope', enabled: false })).toMatchObject({ ok: false, status: 404 });
    web.act('feature-flag', { flag: 'new-recommendations', enabled: false });
    expect(web.problems()).toEqual([]);
    web.inject({ kind: 'credential-expiry', credential: 'db-password' });
    web.act('rotate-certificate');
  });

  it('records flag switches and config changes in the change history, and shows the config change to revert', () => {
    const recorded: ChangeEvent[] = [];
    const web = new ServiceState('web-frontend', estate.services['web-frontend']!, clock, (c) => recorded.push(c));
    web.inject({ kind: 'feature-flag', flag: 'new-recommendations', errorRate: 0.3, change: 'CHG0099001' });
    expect(recorded[0]).toMatchObject({
      id: 'CHG0099001',
      component: 'web-frontend',
      kind: 'feature-flag',
      featureFlag: 'new-recommendations',
    });
    web.act('feature-flag', { flag: 'new-recommendations', enabled: false });
    expect(recorded[1]).toMatchObject({ kind: 'feature-flag', summary: 'Turn off feature flag new-recommendations' });
    const view = () => web.view({ healthy: true, errorRate: 0, p95LatencyMs: 1 });
    expect(view().lastConfigChange).toBeNull();
    web.inject({ kind: 'pool-exhaustion', key: 'pool.maxSize', to: 10, by: 'config-pipeline' });
    expect(view().lastConfigChange).toMatchObject({ key: 'pool.maxSize', to: 10 });
    web.act('config-rollback');
    expect(view().lastConfigChange).toBeNull();
    web.inject({ kind: 'credential-expiry', credential: 'db-password' });
    expect(web.problems()[0]).toMatchObject({ code: 'credential' });
    web.act('rotate-certificate');
    expect(web.problems()).toEqual([]);
  });
});

describe('the monitor', () => {
  const at = new Date('2026-12-03T10:00:00Z');
  const state = new ServiceState('payments-api', estate.services['payments-api']!, () => at.getTime());
  const healthy = state.view({ healthy: true, errorRate: 0.001, p95LatencyMs: 90 });
  const broken = state.view({
    healthy: false,
    reason: 'version 2.15.0 answers HTTP 500',
    errorRate: 0.4,
    p95LatencyMs: 90,
  });

  it('fires after two bad evaluations in a row and resolves after two good ones', () => {
    const tracker = new AlertTracker(2);
    const bad = evaluateRules({ service: 'payments-api', healthStatus: 503, state: broken }, at.getTime());
    const good = evaluateRules({ service: 'payments-api', healthStatus: 200, state: healthy }, at.getTime());
    expect(tracker.update('payments-api', bad, at)).toEqual([]);
    const fired = tracker.update('payments-api', bad, at);
    expect(fired.map((t) => `${t.status} ${t.result.rule}`)).toEqual([
      'firing ServiceHealthCheckFailing',
      'firing HighErrorRate',
    ]);
    expect(tracker.update('payments-api', good, at)).toEqual([]);
    expect(tracker.update('payments-api', good, at).map((t) => t.status)).toEqual(['resolved', 'resolved']);
  });

  it('resolves an alert with the name and labels it fired with, so the receiver can match them', () => {
    const tracker = new AlertTracker(1);
    const crashing = evaluateRules(
      { service: 'x', healthStatus: 503, healthReason: 'CrashLoopBackOff: exits', state: broken },
      at.getTime(),
    );
    const fired = tracker.update('x', crashing, at);
    const resolved = tracker.update(
      'x',
      evaluateRules({ service: 'x', healthStatus: 200, state: healthy }, at.getTime()),
      at,
    );
    expect(resolved.map((t) => [t.result.rule, t.result.severity])).toEqual(
      fired.map((t) => [t.result.rule, t.result.severity]),
    );
    expect(tracker.firingServices()).toEqual([]);
  });

  it('calls only the service that crash loops crash looping, not the dependents that quote it', () => {
    const rule = (reason: string) =>
      evaluateRules({ service: 'x', healthStatus: 503, healthReason: reason, state: broken }, at.getTime())[0]!.rule;
    expect(rule('CrashLoopBackOff: container exits with code 137')).toBe('KubePodCrashLooping');
    expect(rule('dependency checkout-api failing: CrashLoopBackOff: container exits')).toBe(
      'ServiceHealthCheckFailing',
    );
  });

  it('sends alerts that Lumos parses as Alertmanager and CloudWatch signals for the right service', () => {
    const [rule] = evaluateRules({ service: 'payments-api', healthStatus: 503, state: broken }, at.getTime());
    const transition = { status: 'firing' as const, result: rule!, startsAt: at.toISOString() };
    const alert = alertmanagerParser.parse(
      alertmanagerPayload(transition, 'payments-api', 'Payments Engineering', at),
      context,
    );
    expect(alert).toMatchObject({ items: [{ signal: { service: 'payments-api', action: 'create' } }] });
    const alarm = cloudwatchParser.parse(cloudWatchEvent(transition, 'orders-db', at), context);
    expect(alarm).toMatchObject({ signals: [{ service: 'orders-db' }] });
    const ok = cloudwatchParser.parse(cloudWatchEvent({ ...transition, status: 'resolved' }, 'orders-db', at), context);
    expect(ok).toMatchObject({ signals: [{ service: 'orders-db', action: 'resolve' }] });
  });
});

describe('the generated files', () => {
  it('give Lumos a topology with every service, owner and deploy, and governance services with their URLs', () => {
    const topology = parseTopologyExport(topologyFile(estate), new Date());
    const ids = topology.topology.nodes.map((n) => n.id);
    for (const name of Object.keys(estate.services)) expect(ids).toContain(name);
    expect(topology.changes.some((c) => c.component === 'payments-api' && c.kind === 'deployment')).toBe(true);
    const urls = Object.fromEntries(Object.keys(estate.services).map((n, i) => [n, `http://127.0.0.1:${5000 + i}`]));
    const governance = loadGovernanceConfig({ overrides: governanceOverrides(estate, urls, { drill: true }) });
    expect(governance.services['checkout-api']).toMatchObject({
      domain: 'payments',
      environment: 'production',
      targets: { http: urls['checkout-api'] },
    });
    expect(governance.services['identity-directory']!.targets.directory).toBe(urls['identity-directory']);
  });

  it('size scale-out so that it absorbs a spike of three times the usual traffic on every service with a pool', () => {
    const urls = Object.fromEntries(Object.keys(estate.services).map((n, i) => [n, `http://127.0.0.1:${5000 + i}`]));
    const governance = loadGovernanceConfig({ overrides: governanceOverrides(estate, urls) });
    const pooled = Object.entries(estate.services).filter(([, s]) => s.connections);
    expect(pooled.length).toBeGreaterThan(2);
    for (const [name, definition] of pooled) {
      const replicas = Number(governance.services[name]!.targets.scaleOutReplicas);
      expect(replicas).toBeGreaterThan(definition.replicas);
      const state = new ServiceState(name, definition);
      state.inject({ kind: 'load', factor: 3 });
      expect(state.problems()[0]).toMatchObject({ code: 'load' });
      expect(state.act('scale', { replicas })).toMatchObject({ ok: true });
      expect({ name, problems: state.problems() }).toEqual({ name, problems: [] });
    }
  });
});

describe('the running estate', () => {
  let running: RunningEstate;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lumos-estate-'));
    running = await startEstate({ stateDir: dir, monitorIntervalMs: 60_000, backfillMinutes: 2 });
  });
  afterAll(async () => {
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cascades a dead database primary to its dependents over HTTP, and a failover heals them all', async () => {
    const get = async (name: string) => {
      const response = await fetch(`${running.urls[name]}/health`);
      return { status: response.status, body: (await response.json()) as { reason?: string } };
    };
    expect((await get('checkout-api')).status).toBe(200);
    await fetch(`${running.urls['orders-db']}/admin/faults`, { method: 'POST', body: '{"kind":"primary-down"}' });
    expect(await get('orders-db')).toMatchObject({
      status: 503,
      body: { reason: expect.stringMatching(/primary is down/) },
    });
    expect(await get('checkout-api')).toMatchObject({
      status: 503,
      body: { reason: expect.stringMatching(/dependency orders-db/) },
    });
    expect((await get('web-frontend')).body.reason).toMatch(/root cause upstream: orders-db/);
    const failover = await fetch(`${running.urls['orders-db']}/admin/failover`, { method: 'POST' });
    expect(failover.status).toBe(200);
    expect(await failover.json()).toMatchObject({
      ok: true,
      action: 'failover',
      service: 'orders-db',
      state: { healthy: true },
    });
    expect((await get('web-frontend')).status).toBe(200);
  });

  it('records a bad deploy in the topology change history, and a reset rewinds it', async () => {
    const changes = () =>
      (JSON.parse(readFileSync(running.files.topology, 'utf8')) as { changes: { id: string }[] }).changes.map(
        (c) => c.id,
      );
    running.inject('search-api', {
      kind: 'bad-deploy',
      version: '9.9.9',
      change: 'CHG0099999',
      by: 'ci',
      errorRate: 0.4,
    });
    expect(changes()).toContain('CHG0099999');
    running.reset(['search-api']);
    expect(changes()).not.toContain('CHG0099999');
    expect(running.state('search-api').version).toBe('1.19.2');
  });

  it('answers a malformed fault with a 400 naming the problem', async () => {
    const response = await fetch(`${running.urls['checkout-api']}/admin/faults`, {
      method: 'POST',
      body: '{"kind":"meteor"}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ ok: false, error: expect.stringContaining('kind') });
  });

  it('runs the catalogue services of the contract: password reset, unlock, group membership, software install', async () => {
    const directory = running.urls['identity-directory']!;
    const fleet = running.urls['device-fleet']!;
    const post = (url: string, body?: unknown) =>
      fetch(url, { method: 'POST', body: body ? JSON.stringify(body) : undefined });
    expect((await fetch(`${directory}/users/nobody@example.com`)).status).toBe(404);
    expect(await (await post(`${directory}/users/maya.cohen@example.com/unlock`)).json()).toMatchObject({
      ok: true,
      locked: false,
    });
    expect(await (await post(`${directory}/users/omar.nasser@example.com/password-reset`)).json()).toMatchObject({
      ok: true,
      resetAt: expect.any(String),
    });
    await post(`${directory}/groups/github-users/members`, { user: 'omar.nasser@example.com' });
    expect(await (await fetch(`${directory}/users/omar.nasser@example.com`)).json()).toMatchObject({
      groups: ['github-users'],
    });
    expect((await post(`${fleet}/devices/LT-0533/software`, { package: 'doom' })).status).toBe(422);
    expect((await post(`${fleet}/devices/LT-0533/software`, { package: 'slack' })).status).toBe(200);
    expect(running.fleet.view('LT-0533')!.software.map((s) => s.package)).toContain('slack');
  });

  it('writes logs in each service format that the local logs adapter reads, errors included', async () => {
    running.inject('payments-api', { kind: 'hang', latencyMs: 30_000 });
    await new Promise((r) => setTimeout(r, 2300));
    running.reset(['payments-api']);
    const files = readdirSync(join(dir, 'logs'));
    expect(files).toEqual(
      expect.arrayContaining(['payments-api.log', 'checkout-api.jsonl', 'orders-db.log', 'web-frontend.log']),
    );
    const source = new FolderLogSource({ dir: join(dir, 'logs') });
    const window = { start: new Date(Date.now() - 10 * 60_000), end: new Date() };
    const payments = await source.fetch({ service: 'payments-api', ...window });
    expect(
      payments.events.some(
        (e) => e.message.includes('java.util.concurrent.TimeoutException') && e.message.includes('\tat '),
      ),
    ).toBe(true);
    const checkout = await source.fetch({ service: 'checkout-api', ...window });
    expect(checkout.events.some((e) => /ERROR call to payments-api timed out/.test(e.message))).toBe(true);
    for (const service of ['orders-db', 'web-frontend']) {
      expect((await source.fetch({ service, ...window })).events.length).toBeGreaterThan(3);
    }
    expect(readFileSync(join(dir, 'logs', 'orders-db.log'), 'utf8')).toMatch(
      /^\d{4}-\d{2}-\d{2}T[\d:.]+\+00:00 orders-db postgres\[\d+\]: /m,
    );
  });
});

describe('the default demo data', () => {
  const root = join(__dirname, '../../..');
  const read = (file: string) => readFileSync(join(root, file), 'utf8');

  it('is what the estate definition generates (run `npx tsx estate/cli.ts fixtures` after editing it)', () => {
    expect(JSON.parse(read('local/fixtures/topology.json'))).toEqual(topologyFile(estate, { relative: true }));
    expect(JSON.parse(read('catalogue/teams.json'))).toEqual(teamsFile(estate));
    for (const article of knowledgeArticles(estate))
      expect(read(`knowledge/services/${article.file}`)).toBe(article.text);
  });

  it('names the same services with the same domains in governance, the catalogue and the sample logs', () => {
    const governance = loadGovernanceConfig();
    for (const [name, service] of Object.entries(estate.services)) {
      expect(governance.services[name]).toMatchObject({
        domain: service.domain,
        environment: service.environment ?? estate.environment,
      });
      expect(governance.domains[service.domain]).toBeDefined();
      expect(readdirSync(join(root, 'local/fixtures/logs')).some((f) => f.startsWith(`${name}.`))).toBe(true);
    }
    expect(Object.keys(governance.services).sort()).toEqual(Object.keys(estate.services).sort());
    for (const team of Object.keys(estate.teams))
      expect(governance.approverGroups[team]).toEqual(estate.teams[team]!.members);
    const catalogue = JSON.parse(read('catalogue/service-catalogue.json')) as { items: { service: string }[] };
    for (const item of catalogue.items) expect(estate.services[item.service]).toBeDefined();
  });
});
