import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { handler as dependencyHandler } from '../../../lambdas/agents/dependency/handler';
import { functionCatalogue } from '../../../lambdas/function-catalogue';
import { provideDependencies, resetDependencies } from '../../../lambdas/runtime/dependencies';
import { workflowStep } from '../../../lambdas/runtime/workflow-step';
import { logger } from '../../../lambdas/shared/observability';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { anIncident, clockAt } from '../agents/support/incident';
import { MemoryAuditTrail } from '../governance/fakes';

/** A Lambda context as the runtime passes it; each invocation gets its own request id. */
const lambdaContext = (awsRequestId: string): Context =>
  ({
    awsRequestId,
    functionName: 'lumos-Dependency',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:lumos-Dependency',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/lumos-Dependency',
    logStreamName: '2026/12/03/[$LATEST]abc',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  }) as unknown as Context;

/** The JSON log lines Powertools writes (info to stdout, warnings and errors to stderr) while `run` runs. */
async function capturedLogLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n')) {
      if (line.trim().startsWith('{')) lines.push(JSON.parse(line));
    }
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run().catch(() => undefined);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}

describe('the log lines of a workflow step', () => {
  let store: MemoryIncidentStore;
  beforeEach(async () => {
    resetDependencies();
    store = new MemoryIncidentStore();
    await store.create(anIncident({ incidentId: 'inc-7', service: 'checkout' }));
    await store.create(anIncident({ incidentId: 'inc-8', service: 'checkout' }));
    provideDependencies({
      store,
      audit: new MemoryAuditTrail(),
      clock: clockAt('2026-11-20T10:01:00.000Z'),
      topology: { topology: async () => ({ nodes: [{ id: 'checkout' }], edges: [] }), changes: async () => [] },
    });
  });
  afterAll(() => resetDependencies());

  it('each carry the request id and the incident id of their invocation (an agent step)', async () => {
    const lines = await capturedLogLines(() => dependencyHandler({ incidentId: 'inc-7' }, lambdaContext('req-1')));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ function_request_id: 'req-1', incidentId: 'inc-7' });
  });

  it('do not carry the previous invocation’s incident id into the next one', async () => {
    await capturedLogLines(() => dependencyHandler({ incidentId: 'inc-7' }, lambdaContext('req-1')));
    const lines = await capturedLogLines(() => dependencyHandler({ incidentId: 'inc-8' }, lambdaContext('req-2')));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatchObject({ function_request_id: 'req-2', incidentId: 'inc-8' });
  });

  it('carry both ids on warnings and errors too, including when the step fails', async () => {
    const step = workflowStep(z.object({ incidentId: z.string() }), async () => {
      logger.warn('about to fail');
      throw new Error('boom');
    });
    const lines = await capturedLogLines(() => step({ incidentId: 'inc-9' }, lambdaContext('req-3')));
    expect(lines.map((line) => line.message)).toContain('about to fail');
    for (const line of lines) expect(line).toMatchObject({ function_request_id: 'req-3', incidentId: 'inc-9' });
  });
});

describe('every workflow step of the function catalogue', () => {
  it.each(functionCatalogue.filter((spec) => spec.role === 'workflow').map((spec) => [spec.id, spec.entry]))(
    '%s is built with agentStep() or workflowStep(), which put both ids on its log lines',
    (_id, entry) => {
      const source = readFileSync(join(__dirname, '../../..', entry), 'utf8');
      expect(source).toMatch(/export const handler = (agentStep|workflowStep)(<.*>)?\(/);
    },
  );
});

/** Every test file's text, for the check that each step has one. */
function testSources(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return entry.name.endsWith('.test.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

/**
 * Steps whose handlers no test imports yet: their logic is tested where it lives (the approval gate in
 * test/unit/governance), the handlers are not. The list must only shrink: a new step without a test fails below.
 */
const HANDLERS_WITHOUT_TESTS = ['RequestApproval', 'Escalate', 'FlagForHuman'];

describe('every workflow step of the function catalogue has a unit test', () => {
  it('some test imports a module of every step but the listed ones, and each listed one still lacks it', () => {
    const sources = testSources(join(__dirname, '../..'));
    const tested = (folder: string) => {
      const module = new RegExp(`from '(\\.\\./)+${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`);
      return sources.some((source) => module.test(source));
    };
    const untested = functionCatalogue
      .filter((spec) => spec.role === 'workflow' && !tested(dirname(spec.entry)))
      .map((spec) => spec.id);
    expect(untested.sort()).toEqual([...HANDLERS_WITHOUT_TESTS].sort());
  });
});
