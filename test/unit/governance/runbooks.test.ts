import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalRunbookExecutor } from '../../../lambdas/adapters/local/local-runbook-executor';
import {
  loadRunbooks,
  matchRunbook,
  RunbookParameterError,
  resolveParameters,
  runbookRisk,
} from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { renderAction, runRunbook } from '../../../lambdas/governance/runbooks/runbook-runner';
import { Runbook } from '../../../lambdas/governance/runbooks/runbook-schema';
import type { RenderedAction, RunbookExecutor, StepRunResult } from '../../../lambdas/ports/runbook-executor';
import { triagedIncident } from './fakes';

const RUNBOOK_DIR = join(__dirname, '../../../runbooks');
/** Runbooks shaped for the runner's own tests (HTTP steps with a rollback; a sandboxed command). */
const FIXTURE_DIR = join(__dirname, 'runbook-fixtures');
const noSleep = async () => undefined;

/** Answers each action by URL/argv from a script, and records what ran. */
class ScriptedExecutor implements RunbookExecutor {
  readonly name = 'scripted';
  readonly ran: RenderedAction[] = [];
  constructor(private readonly answer: (action: RenderedAction, attempt: number) => Partial<StepRunResult>) {}
  async run(action: RenderedAction): Promise<StepRunResult> {
    this.ran.push(action);
    const attempt = this.ran.filter((a) => JSON.stringify(a) === JSON.stringify(action)).length;
    return { ok: true, output: '', durationMs: 1, ...this.answer(action, attempt) };
  }
}

const restart = () => loadRunbooks(FIXTURE_DIR).get('restart-service')!.runbook;
const values = { service: 'inventory-svc', baseUrl: 'http://svc.local', incidentId: 'inc-1' };
const urlOf = (a: RenderedAction) => (a.kind === 'http' ? `${a.method} ${a.url}` : a.kind);

describe('running a runbook', () => {
  it('runs the steps after its preconditions hold and succeeds when the post-checks pass', async () => {
    let healthy = false;
    const executor = new ScriptedExecutor((a) => {
      if (urlOf(a).includes('restart')) healthy = true;
      return { status: urlOf(a).startsWith('GET') ? (healthy ? 200 : 503) : 202 };
    });
    const run = await runRunbook(restart(), values, executor, { dryRun: false, sleep: noSleep });
    expect(run.status).toBe('succeeded');
    expect(executor.ran.map(urlOf)).toEqual([
      'GET http://svc.local/health',
      'POST http://svc.local/admin/restart',
      'GET http://svc.local/health',
    ]);
  });

  it('does nothing when a precondition does not hold (the service is already healthy)', async () => {
    const executor = new ScriptedExecutor(() => ({ status: 200 }));
    const run = await runRunbook(restart(), values, executor, { dryRun: false, sleep: noSleep });
    expect(run.status).toBe('not_needed');
    expect(executor.ran.map(urlOf)).toEqual(['GET http://svc.local/health']);
  });

  it('rolls back automatically when a post-check keeps failing', async () => {
    const executor = new ScriptedExecutor((a) => ({ status: urlOf(a).startsWith('GET') ? 503 : 202 }));
    const run = await runRunbook(restart(), values, executor, { dryRun: false, sleep: noSleep });
    expect(run.status).toBe('rolled_back');
    expect(run.outcomes.filter((o) => o.phase === 'postCheck')[0]).toMatchObject({ ok: false, attempts: 5 });
    expect(executor.ran.map(urlOf).at(-1)).toBe('POST http://svc.local/admin/rollback');
  });

  it('says so when the rollback fails too', async () => {
    const executor = new ScriptedExecutor((a) => ({
      status: urlOf(a).startsWith('GET') ? 503 : urlOf(a).includes('rollback') ? 500 : 202,
      ok: !urlOf(a).includes('rollback'),
    }));
    expect((await runRunbook(restart(), values, executor, { dryRun: false, sleep: noSleep })).status).toBe(
      'rollback_failed',
    );
  });

  it('in a dry run evaluates only the read-only preconditions and lists the steps it would run', async () => {
    const executor = new ScriptedExecutor(() => ({ status: 503 }));
    const run = await runRunbook(restart(), values, executor, { dryRun: true, sleep: noSleep });
    expect(run.status).toBe('planned');
    expect(executor.ran.map(urlOf)).toEqual(['GET http://svc.local/health']);
    expect(run.outcomes.find((o) => o.phase === 'step')).toMatchObject({
      skipped: true,
      action: { url: 'http://svc.local/admin/restart' },
    });
  });

  it('URL-encodes parameter values, so a value cannot add a path or a query', () => {
    const action = renderAction(
      { http: { method: 'GET', url: 'http://svc.local/items/{{service}}', headers: {} } },
      { service: 'a/../b?x=1' },
    );
    expect(action).toMatchObject({ url: 'http://svc.local/items/a%2F..%2Fb%3Fx%3D1' });
  });
});

describe('the runbook catalogue', () => {
  it('loads every runbook of the project, each with a version hash and a risk', () => {
    const runbooks = loadRunbooks(RUNBOOK_DIR);
    expect(runbooks.size).toBeGreaterThanOrEqual(12);
    for (const { version } of runbooks.values()) expect(version).toMatch(/^[0-9a-f]{64}$/);
    expect(runbookRisk(runbooks.get('rollback-deployment')!.runbook)).toBe('high');
    expect(runbooks.get('restart-service')!.version).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches by category or service plus a keyword, never by category alone', () => {
    const runbooks = [...loadRunbooks(RUNBOOK_DIR).values()];
    expect(matchRunbook(runbooks, triagedIncident())?.loaded.runbook.id).toBe('restart-service');
    expect(
      matchRunbook(runbooks, triagedIncident({ title: 'Question about the application', description: '' })),
    ).toBeUndefined();
  });

  it('takes parameters from the incident and the service targets, and rejects values outside their pattern', () => {
    const runbook = loadRunbooks(RUNBOOK_DIR).get('restart-service')!.runbook;
    expect(resolveParameters(runbook, triagedIncident(), { targets: { http: 'http://10.0.0.1:8080' } })).toEqual({
      service: 'inventory-svc',
      baseUrl: 'http://10.0.0.1:8080',
      incidentId: 'inc-test-1',
    });
    expect(() =>
      resolveParameters(runbook, triagedIncident({ service: 'x; rm -rf /' }), { targets: { http: 'http://h' } }),
    ).toThrow(RunbookParameterError);
    expect(() => resolveParameters(runbook, triagedIncident(), { targets: {} })).toThrow(/baseUrl/);
  });

  it('refuses runbooks that use undeclared parameters or unanchored patterns', () => {
    const base = { id: 'x', title: 'x', steps: [{ name: 's', http: { url: 'http://h/{{nope}}' } }] };
    expect(Runbook.safeParse(base).success).toBe(false);
    expect(Runbook.safeParse({ ...base, parameters: { nope: { pattern: '[a-z]+' } } }).success).toBe(false);
    expect(Runbook.safeParse({ ...base, parameters: { nope: { pattern: '^[a-z]+$' } } }).success).toBe(true);
  });
});

describe('the local runbook executor', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(req.url === '/ok' ? 200 : 500, { 'content-type': 'application/json' }).end('{"state":"fine"}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('really calls local HTTP targets', async () => {
    const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'sandbox-')));
    const result = await executor.run(
      { kind: 'http', method: 'GET', url: `${url}/ok`, headers: {} },
      { timeoutMs: 2000 },
    );
    expect(result).toMatchObject({ ok: true, status: 200, json: { state: 'fine' } });
    const down = await executor.run(
      { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/none', headers: {} },
      { timeoutMs: 2000 },
    );
    expect(down.ok).toBe(false);
  });

  it('runs commands inside its sandbox, and a clear-temp-files runbook really deletes stale files there', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'sandbox-'));
    mkdirSync(join(sandbox, 'var-tmp-app'));
    const stale = join(sandbox, 'var-tmp-app', 'old.tmp');
    const fresh = join(sandbox, 'var-tmp-app', 'new.tmp');
    writeFileSync(stale, 'x');
    writeFileSync(fresh, 'y');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    const runbook = loadRunbooks(FIXTURE_DIR).get('clear-temp-files')!.runbook;
    const run = await runRunbook(
      runbook,
      { instanceId: 'i-00000000000000000', incidentId: 'inc-1' },
      new LocalRunbookExecutor(sandbox),
      { dryRun: false },
    );
    expect(run.status).toBe('succeeded');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });

  it('refuses commands that leave the sandbox or programs it does not allow', async () => {
    const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'sandbox-')));
    expect(
      await executor.run({ kind: 'command', argv: ['rm', '-rf', '../elsewhere'] }, { timeoutMs: 1000 }),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/leaves the sandbox/) });
    expect(await executor.run({ kind: 'command', argv: ['cat', '/etc/passwd'] }, { timeoutMs: 1000 })).toMatchObject({
      ok: false,
    });
    expect(
      await executor.run({ kind: 'command', argv: ['find', '.', '-exec', 'curl', '{}', ';'] }, { timeoutMs: 1000 }),
    ).toMatchObject({ ok: false });
    for (const program of ['curl', 'sh', 'node']) {
      expect(await executor.run({ kind: 'command', argv: [program, '-c', 'true'] }, { timeoutMs: 1000 })).toMatchObject(
        { ok: false, error: expect.stringMatching(/not allowed/) },
      );
    }
  });

  it('fails an AWS-only step without a local stand-in, saying why', async () => {
    const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'sandbox-')));
    const result = await executor.run(
      { kind: 'ssmAutomation', documentName: 'AWS-RestartEC2Instance', parameters: {} },
      { timeoutMs: 1000 },
    );
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no 'local' stand-in/) });
  });
});
