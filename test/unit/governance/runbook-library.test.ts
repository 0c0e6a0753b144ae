import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import catalogueJson from '../../../catalogue/service-catalogue.json';
import { type RunningEstate, startEstate } from '../../../estate/estate';
import { FaultSpec } from '../../../estate/faults';
import { LocalRunbookExecutor } from '../../../lambdas/adapters/local/local-runbook-executor';
import { parseServiceCatalogue } from '../../../lambdas/agents/fulfilment/service-catalogue';
import {
  type LoadedRunbook,
  loadRunbooks,
  resolveParameters,
  runbookRisk,
} from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { runPostChecksOnce, runRollback, runRunbook } from '../../../lambdas/governance/runbooks/runbook-runner';
import { triagedIncident } from './fakes';

const RUNBOOK_DIR = join(__dirname, '../../../runbooks');
const noSleep = async () => undefined;

/**
 * Every runbook of the library, run for real (local executor, real HTTP) against the demo estate (estate/, the
 * services of estate/estate.yaml on 127.0.0.1): the fault it remediates is injected, the runbook runs, and the
 * estate's own state says whether it was fixed.
 */
describe('the runbook library against the estate contract', () => {
  let estate: RunningEstate;
  let dir: string;
  const runbooks: Map<string, LoadedRunbook> = loadRunbooks(RUNBOOK_DIR);
  const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'lumos-runbook-lib-')));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lumos-runbook-estate-'));
    estate = await startEstate({ stateDir: dir, monitorIntervalMs: 600_000, backfillMinutes: 0 });
  }, 30_000);
  afterAll(async () => {
    await estate?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => estate.reset());

  const inject = (service: string, fault: Record<string, unknown>) => estate.inject(service, FaultSpec.parse(fault));
  const run = async (id: string, service: string, targets: Record<string, string> = {}, provided = {}) => {
    const { runbook } = runbooks.get(id)!;
    const values = resolveParameters(
      runbook,
      triagedIncident({ service }),
      { targets: { http: estate.urls[service]!, ...targets } },
      provided,
    );
    return { run: await runRunbook(runbook, values, executor, { dryRun: false, sleep: noSleep }), values, runbook };
  };

  it('holds at least the twelve runbooks the issue names, each with steps, post-checks and a risk per step', () => {
    const required = [
      'restart-service',
      'rollback-deployment',
      'scale-out',
      'free-disk',
      'rotate-certificate',
      'failover-database',
      'disable-feature-flag',
      'revert-config',
      'reset-password',
      'unlock-account',
      'grant-access',
      'install-software',
    ];
    for (const id of required) {
      const loaded = runbooks.get(id);
      expect(loaded).toBeDefined();
      expect(loaded!.runbook.steps.length).toBeGreaterThan(0);
      expect(loaded!.runbook.postChecks.length).toBeGreaterThan(0);
      for (const step of loaded!.runbook.steps) expect(['low', 'medium', 'high']).toContain(step.risk);
      // Every AWS step has a local stand-in, so it can be rehearsed against the estate.
      for (const step of [...loaded!.runbook.steps, ...loaded!.runbook.rollback]) {
        if ('ssmAutomation' in step) {
          expect(step.ssmAutomation.documentName).toMatch(/^Lumos-/);
          expect(step.ssmAutomation.local).toBeDefined();
        }
      }
    }
  });

  it('gives a runbook for every service catalogue item', () => {
    const catalogue = parseServiceCatalogue(catalogueJson);
    for (const item of catalogue.items) expect(runbooks.has(item.runbook)).toBe(true);
    expect(catalogue.items.map((i) => i.runbook)).toContain('unlock-account');
  });

  it('maps every failure mode a remediation exists for to at least one runbook by data', () => {
    const byMode = new Map<string, string[]>();
    for (const [id, { runbook }] of runbooks)
      for (const mode of runbook.remediates) byMode.set(mode, [...(byMode.get(mode) ?? []), id]);
    expect(byMode.get('bad-deployment')).toContain('rollback-deployment');
    expect(byMode.get('disk-exhaustion')).toEqual(['free-disk']);
    expect(byMode.get('crash-loop')).toEqual(['restart-service']);
    expect(byMode.get('unresponsive')).toEqual(['restart-service']);
    expect(byMode.get('certificate-expiry')).toEqual(['rotate-certificate']);
    expect(byMode.get('throttling')).toEqual(['scale-out']);
    expect(byMode.get('config-change')).toEqual(expect.arrayContaining(['revert-config', 'disable-feature-flag']));
    expect(byMode.has('unknown')).toBe(false);
    expect(runbookRisk(runbooks.get('failover-database')!.runbook)).toBe('high');
  });

  const state = (service: string) => estate.state(service);
  const healthy = (service: string) => estate.health(service).healthy;

  it('restart-service clears a crash loop', async () => {
    inject('checkout-api', { kind: 'crash-loop' });
    expect(healthy('checkout-api')).toBe(false);
    const { run: result } = await run('restart-service', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(healthy('checkout-api')).toBe(true);
    expect(state('checkout-api').restarts).toBe(1);
  });

  it('restart-service brings back a service whose workers hang', async () => {
    inject('inventory-api', { kind: 'hang' });
    expect(healthy('inventory-api')).toBe(false);
    const { run: result } = await run('restart-service', 'inventory-api');
    expect(result.status).toBe('succeeded');
    expect(healthy('inventory-api')).toBe(true);
  });

  it('restart-service does nothing to a healthy service', async () => {
    const before = state('inventory-api').restarts;
    const { run: result } = await run('restart-service', 'inventory-api');
    expect(result.status).toBe('not_needed');
    expect(state('inventory-api').restarts).toBe(before);
  });

  it('restart-service does not claim success on a bad deploy a restart cannot fix', async () => {
    inject('payments-api', { kind: 'bad-deploy', version: '2.15.0' });
    const { run: result } = await run('restart-service', 'payments-api');
    expect(result.status).toBe('rollback_failed');
    expect(result.summary).toMatch(/post-check 'the service is healthy again' failed/);
    expect(healthy('payments-api')).toBe(false);
  });

  it('rollback-deployment goes back to the previous version', async () => {
    inject('payments-api', { kind: 'bad-deploy', version: '2.15.0' });
    const { run: result } = await run('rollback-deployment', 'payments-api');
    expect(result.status).toBe('succeeded');
    expect(state('payments-api').version).toBe('2.14.0');
    expect(healthy('payments-api')).toBe(true);
  });

  it('scale-out sets the replica count as a number and clears a load saturation', async () => {
    inject('search-api', { kind: 'load', factor: 2 });
    expect(healthy('search-api')).toBe(false);
    const { run: result } = await run('scale-out', 'search-api');
    expect(result.status).toBe('succeeded');
    expect(state('search-api').replicas).toBe(8);
    expect(healthy('search-api')).toBe(true);
    // A second incident for the same spike (an alarm that fired late) finds the work done: nothing runs again.
    const { run: again } = await run('scale-out', 'search-api');
    expect(again.status).toBe('not_needed');
    expect(again.summary).toMatch(/fewer replicas/);
  });

  it('free-disk frees a full disk and checks it is below 90%', async () => {
    inject('orders-db', { kind: 'disk-fill', percentPerMinute: 6000 });
    await new Promise((r) => setTimeout(r, 1200));
    expect(healthy('orders-db')).toBe(false);
    const { run: result } = await run('free-disk', 'orders-db');
    expect(result.status).toBe('succeeded');
    expect(state('orders-db').disk.usedPercent).toBeLessThan(90);
    const { run: again } = await run('free-disk', 'orders-db');
    expect(again.status).toBe('not_needed');
    expect(again.summary).toMatch(/at least 90% used/);
  });

  it('rotate-certificate replaces an expiring certificate', async () => {
    inject('auth-service', { kind: 'certificate-expiry', daysLeft: 2 });
    expect(estate.state('auth-service').faults.map((f) => f.kind)).toEqual(['certificate-expiry']);
    const { run: result } = await run('rotate-certificate', 'auth-service');
    expect(result.status).toBe('succeeded');
    expect(healthy('auth-service')).toBe(true);
    expect(Date.parse(state('auth-service').certificate.notAfter)).toBeGreaterThan(Date.now() + 30 * 86_400_000);
    expect(state('auth-service').faults).toEqual([]);
  });

  it('failover-database promotes the standby of a dead primary', async () => {
    inject('orders-db', { kind: 'primary-down' });
    const { run: result } = await run('failover-database', 'orders-db');
    expect(result.status).toBe('succeeded');
    expect(healthy('orders-db')).toBe(true);
  });

  it('disable-feature-flag turns the configured flag off, and its rollback turns it back on', async () => {
    inject('web-frontend', { kind: 'feature-flag', flag: 'new-recommendations' });
    const outcome = await run('disable-feature-flag', 'web-frontend', { featureFlag: 'new-recommendations' });
    expect(outcome.run.status).toBe('succeeded');
    expect(state('web-frontend').featureFlags['new-recommendations']).toBe(false);
    expect(healthy('web-frontend')).toBe(true);
    const undo = await runRollback(outcome.runbook, outcome.values, executor);
    expect(undo.ok).toBe(true);
    expect(state('web-frontend').featureFlags['new-recommendations']).toBe(true);
  });

  it('revert-config undoes the connection pool change that exhausted it', async () => {
    inject('checkout-api', { kind: 'pool-exhaustion', to: 2 });
    expect(healthy('checkout-api')).toBe(false);
    const { run: result } = await run('revert-config', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(healthy('checkout-api')).toBe(true);
  });

  it('reset-password resets and unlocks the requester given by the catalogue, on the identity directory', async () => {
    const { run: result } = await run('reset-password', 'identity-directory', {}, { user: 'maya.cohen@example.com' });
    expect(result.status).toBe('succeeded');
    expect(estate.directory.view('maya.cohen@example.com')).toMatchObject({
      locked: false,
      passwordResetAt: expect.any(String),
    });
  });

  it('unlock-account unlocks a locked account and is not needed for an unlocked one', async () => {
    const user = { user: 'maya.cohen@example.com' };
    estate.directory.users.get(user.user)!.locked = true;
    estate.directory.users.get(user.user)!.passwordResetAt = null;
    const { run: result } = await run('unlock-account', 'identity-directory', {}, user);
    expect(result.status).toBe('succeeded');
    expect(estate.directory.view(user.user)).toMatchObject({ locked: false, passwordResetAt: null });
    expect((await run('unlock-account', 'identity-directory', {}, user)).run.status).toBe('not_needed');
  });

  it('grant-access adds the <application>-users membership and checks it', async () => {
    const provided = { user: 'lucia.ferrari@example.com', resource: 'github' };
    const { run: result } = await run('grant-access', 'identity-directory', {}, provided);
    expect(result.status).toBe('succeeded');
    expect(estate.directory.view(provided.user)!.groups).toContain('github-users');
  });

  it("install-software installs an approved package on the requester's laptop, and refuses one not approved", async () => {
    const ok = await run('install-software', 'device-fleet', {}, { user: 'omar.nasser@example.com', package: 'zoom' });
    expect(ok.run.status).toBe('succeeded');
    expect(estate.fleet.view('LT-0533')!.software.map((s) => s.package)).toContain('zoom');
    const refused = await run(
      'install-software',
      'device-fleet',
      {},
      { user: 'omar.nasser@example.com', package: 'winrar' },
    );
    expect(refused.run.status).not.toBe('succeeded');
    expect(refused.run.outcomes.find((o) => o.phase === 'step')).toMatchObject({ ok: false, status: 422 });
    const nobody = await run('install-software', 'device-fleet', {}, { user: 'nobody@example.com', package: 'zoom' });
    expect(nobody.run.status).toBe('not_needed');
  });

  it('post-checks can be run once on their own (the verification loop polls them)', async () => {
    inject('checkout-api', { kind: 'crash-loop' });
    const { runbook } = runbooks.get('restart-service')!;
    const values = resolveParameters(runbook, triagedIncident({ service: 'checkout-api' }), {
      targets: { http: estate.urls['checkout-api']! },
    });
    const before = await runPostChecksOnce(runbook, values, executor);
    expect(before).toEqual([{ name: 'the service is healthy again', ok: false, detail: 'status 503, expected 200' }]);
    await fetch(`${estate.urls['checkout-api']}/admin/restart`, { method: 'POST' });
    expect((await runPostChecksOnce(runbook, values, executor))[0]).toMatchObject({ ok: true });
  });
});
