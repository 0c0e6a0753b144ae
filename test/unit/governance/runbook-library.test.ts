import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import catalogueJson from '../../../catalogue/service-catalogue.json';
import { LocalRunbookExecutor } from '../../../lambdas/adapters/local/local-runbook-executor';
import { parseServiceCatalogue } from '../../../lambdas/agents/fulfilment/service-catalogue';
import {
  type LoadedRunbook,
  loadRunbooks,
  resolveParameters,
  runbookRisk,
} from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { runPostChecksOnce, runRollback, runRunbook } from '../../../lambdas/governance/runbooks/runbook-runner';
import { type EstateStandIn, startEstateStandIn } from '../../support/estate-contract-server';
import { triagedIncident } from './fakes';

const RUNBOOK_DIR = join(__dirname, '../../../runbooks');
const noSleep = async () => undefined;

/**
 * Every runbook of the library, run for real (local executor, real HTTP) against a stand-in of the demo estate that
 * implements the estate contract: the fault it remediates is injected, the runbook runs, and the estate's own state
 * says whether it was fixed.
 */
describe('the runbook library against the estate contract', () => {
  let estate: EstateStandIn;
  let runbooks: Map<string, LoadedRunbook>;
  const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'lumos-runbook-lib-')));

  beforeAll(async () => {
    runbooks = loadRunbooks(RUNBOOK_DIR);
  });
  beforeEach(async () => {
    estate = await startEstateStandIn(['checkout-api', 'orders-db']);
  });
  afterEach(() => estate.close());

  const run = async (id: string, service: string, targets: Record<string, string> = {}, provided = {}) => {
    const { runbook } = runbooks.get(id)!;
    const values = resolveParameters(
      runbook,
      triagedIncident({ service }),
      { targets: { http: estate.baseUrl(service), ...targets } },
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
    expect(byMode.get('certificate-expiry')).toEqual(['rotate-certificate']);
    expect(byMode.get('throttling')).toEqual(['scale-out']);
    expect(byMode.get('config-change')).toEqual(expect.arrayContaining(['revert-config', 'disable-feature-flag']));
    expect(byMode.has('unknown')).toBe(false);
    expect(runbookRisk(runbooks.get('failover-database')!.runbook)).toBe('high');
  });

  it('restart-service clears a crash loop', async () => {
    estate.inject('checkout-api', { kind: 'crash-loop' });
    const { run: result } = await run('restart-service', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.actions).toEqual(['restart']);
  });

  it('restart-service does nothing to a healthy service', async () => {
    const { run: result } = await run('restart-service', 'checkout-api');
    expect(result.status).toBe('not_needed');
    expect(estate.services.get('checkout-api')!.actions).toEqual([]);
  });

  it('restart-service does not claim success on a bad deploy a restart cannot fix', async () => {
    estate.inject('checkout-api', { kind: 'bad-deploy' });
    const { run: result } = await run('restart-service', 'checkout-api');
    expect(result.status).toBe('rollback_failed');
    expect(result.summary).toMatch(/post-check 'the service is healthy again' failed/);
  });

  it('rollback-deployment goes back to the previous version and only when there is one', async () => {
    estate.inject('checkout-api', { kind: 'bad-deploy' });
    const { run: result } = await run('rollback-deployment', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')).toMatchObject({ version: '1.4.1', faults: [] });
    const again = await run('rollback-deployment', 'checkout-api');
    expect(again.run.status).toBe('not_needed');
  });

  it('scale-out sets the configured replica count as a number and checks it', async () => {
    estate.inject('checkout-api', { kind: 'overload' });
    const { run: result } = await run('scale-out', 'checkout-api', { scaleOutReplicas: '6' });
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.replicas).toBe(6);
  });

  it('free-disk frees a full disk and checks it is below 90%', async () => {
    estate.inject('checkout-api', { kind: 'disk-full' });
    const { run: result } = await run('free-disk', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.disk.usedPercent).toBeLessThan(90);
  });

  it('rotate-certificate replaces an expired certificate', async () => {
    estate.inject('checkout-api', { kind: 'certificate-expired' });
    const { run: result } = await run('rotate-certificate', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.certificate.notAfter > '2027').toBe(true);
  });

  it('failover-database promotes the standby of a dead primary', async () => {
    estate.inject('orders-db', { kind: 'primary-down' });
    const { run: result } = await run('failover-database', 'orders-db');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('orders-db')!.actions).toEqual(['failover']);
  });

  it('disable-feature-flag turns the configured flag off, and its rollback turns it back on', async () => {
    estate.inject('checkout-api', { kind: 'feature-flag', flag: 'new-checkout' });
    const {
      run: result,
      values,
      runbook,
    } = await run('disable-feature-flag', 'checkout-api', {
      featureFlag: 'new-checkout',
    });
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.featureFlags['new-checkout']).toBe(false);
    const undo = await runRollback(runbook, values, executor);
    expect(undo.ok).toBe(true);
    expect(estate.services.get('checkout-api')!.featureFlags['new-checkout']).toBe(true);
  });

  it('revert-config undoes a connection pool change', async () => {
    estate.inject('checkout-api', { kind: 'config-change' });
    const { run: result } = await run('revert-config', 'checkout-api');
    expect(result.status).toBe('succeeded');
    expect(estate.services.get('checkout-api')!.connections.max).toBe(100);
  });

  it('reset-password resets and unlocks the requester given by the catalogue, on the identity directory', async () => {
    const { run: result } = await run('reset-password', 'identity-directory', {}, { user: 'ana.lima' });
    expect(result.status).toBe('succeeded');
    expect(estate.users.get('ana.lima')).toMatchObject({ locked: false, passwordResetAt: expect.any(String) });
  });

  it('unlock-account unlocks a locked account and is not needed for an unlocked one', async () => {
    const { run: result } = await run('unlock-account', 'identity-directory', {}, { user: 'ana.lima' });
    expect(result.status).toBe('succeeded');
    expect(estate.users.get('ana.lima')!.locked).toBe(false);
    const again = await run('unlock-account', 'identity-directory', {}, { user: 'ana.lima' });
    expect(again.run.status).toBe('not_needed');
  });

  it('grant-access adds the group membership and checks it', async () => {
    const { run: result } = await run(
      'grant-access',
      'identity-directory',
      {},
      { user: 'ana.lima', resource: 'github' },
    );
    expect(result.status).toBe('succeeded');
    expect(estate.users.get('ana.lima')!.groups).toEqual(['github']);
  });

  it('install-software installs an approved package, and a refused package fails without claiming success', async () => {
    const ok = await run(
      'install-software',
      'device-fleet',
      {},
      { user: 'ana.lima', device: 'lt-ana-01', package: 'slack' },
    );
    expect(ok.run.status).toBe('succeeded');
    expect(estate.devices.get('lt-ana-01')!.software.map((s) => s.package)).toEqual(['slack']);
    const refused = await run(
      'install-software',
      'device-fleet',
      {},
      { user: 'ana.lima', device: 'lt-ana-01', package: 'winrar' },
    );
    expect(refused.run.status).not.toBe('succeeded');
    expect(refused.run.outcomes.find((o) => o.phase === 'step')).toMatchObject({ ok: false, status: 422 });
  });

  it('post-checks can be run once on their own (the verification loop polls them)', async () => {
    estate.inject('checkout-api', { kind: 'crash-loop' });
    const { runbook } = runbooks.get('restart-service')!;
    const values = resolveParameters(runbook, triagedIncident({ service: 'checkout-api' }), {
      targets: { http: estate.baseUrl('checkout-api') },
    });
    const before = await runPostChecksOnce(runbook, values, executor);
    expect(before).toEqual([{ name: 'the service is healthy again', ok: false, detail: 'status 503, expected 200' }]);
    await fetch(`${estate.baseUrl('checkout-api')}/admin/restart`, { method: 'POST' });
    expect((await runPostChecksOnce(runbook, values, executor))[0]).toMatchObject({ ok: true });
  });
});
