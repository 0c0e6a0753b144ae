import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbApprovalStore } from '../../lambdas/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditTrail } from '../../lambdas/adapters/aws/dynamodb-audit-trail';
import { DynamoDbTimerTable } from '../../lambdas/adapters/local/timer-table';
import { verifyChain } from '../../lambdas/governance/audit/audit-chain';
import type { ApprovalRequest } from '../../lambdas/ports/approval-store';
import type { TimerPayload } from '../../lambdas/ports/scheduler';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb-local';
import { ensureAuditTable, ensureIncidentTable } from '../../local/incident-table';
import { eventually, freePort } from '../support/local-runtime';

describe('governance state in DynamoDB Local', () => {
  let db: DynamoDbLocal;
  let client: DynamoDBClient;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lumos-gov-db-'));
    db = await startDynamoDbLocal({ port: await freePort(), dataDir });
    client = new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    await ensureAuditTable(client, 'audit');
    await ensureIncidentTable(client, 'incidents');
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the audit chain linear when many writers in many processes append at once', async () => {
    // Separate adapter instances stand for separate Lambda containers: only the conditional puts keep them apart.
    const writers = Array.from({ length: 6 }, () => new DynamoDbAuditTrail('audit', client));
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        writers[i % writers.length]!.append('inc-concurrent', {
          type: 'action.executed',
          actor: `writer-${i}`,
          summary: `write ${i}`,
          data: { i, score: 0.1 * i },
        }),
      ),
    );
    const records = await writers[0]!.list('inc-concurrent');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(records.map((r) => r.actor)).size).toBe(30);
    expect(verifyChain('inc-concurrent', records)).toMatchObject({ ok: true, records: 30 });
  });

  it('keeps the chain linear when writers that remember their last head race plain writers', async () => {
    const remembering = [0, 1, 2].map(
      () => new DynamoDbAuditTrail('audit', client, undefined, { rememberHeads: true }),
    );
    const writers = [...remembering, new DynamoDbAuditTrail('audit', client), new DynamoDbAuditTrail('audit', client)];
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          writers[(i + round) % writers.length]!.append('inc-remembered', {
            type: 'action.executed',
            actor: `writer-${round}-${i}`,
            summary: `write ${round}.${i}`,
            data: { round, i },
          }),
        ),
      );
    }
    const records = await writers[0]!.list('inc-remembered');
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(verifyChain('inc-remembered', records)).toMatchObject({ ok: true, records: 30 });
  });

  it('a lone writer that remembers its head reads it once, then only writes', async () => {
    const commands: string[] = [];
    const counted = new DynamoDBClient({
      endpoint: db.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const trail = new DynamoDbAuditTrail('audit', counted, undefined, { rememberHeads: true });
    for (let i = 0; i < 5; i++) {
      await trail.append('inc-lone', { type: 'action.executed', actor: 'lone', summary: `write ${i}`, data: { i } });
    }
    expect(commands).toEqual(['QueryCommand', ...Array(5).fill('PutItemCommand')]);
    expect(verifyChain('inc-lone', await trail.list('inc-lone'))).toMatchObject({ ok: true, records: 5 });
    counted.destroy();
  });

  it('fires a timer set before a restart, once, even with two pollers', async () => {
    const before = new DynamoDbTimerTable(client, 'timers');
    await before.ensureTable();
    await before.schedule({
      timerId: 'sla-resolve-inc-1',
      dueAt: new Date(Date.now() + 300),
      payload: { kind: 'sla-check', incidentId: 'inc-1', clock: 'resolve' },
    });
    await before.schedule({
      timerId: 'later',
      dueAt: new Date(Date.now() + 3_600_000),
      payload: { kind: 'approval-tick', approvalId: 'apr-1' },
    });

    // "Restart": new instances over the same table; the first never polled.
    const fired: (TimerPayload & { timerId: string })[] = [];
    const fire = async (timer: TimerPayload & { timerId: string }) => {
      fired.push(timer);
    };
    const a = new DynamoDbTimerTable(client, 'timers');
    const b = new DynamoDbTimerTable(client, 'timers');
    await Promise.all([a.start(fire, 100), b.start(fire, 100)]);
    await eventually(async () => (fired.length ? true : undefined), 5000, 'the timer to fire');
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all([a.stop(), b.stop()]);
    expect(fired).toEqual([{ timerId: 'sla-resolve-inc-1', kind: 'sla-check', incidentId: 'inc-1', clock: 'resolve' }]);
    expect((await a.list()).map((t) => t.timerId)).toEqual(['later']);
  });

  it('retries a timer whose handler failed, with backoff', async () => {
    const timers = new DynamoDbTimerTable(client, 'timers-retry');
    await timers.ensureTable();
    await timers.schedule({
      timerId: 'flaky',
      dueAt: new Date(),
      payload: { kind: 'approval-tick', approvalId: 'apr-2' },
    });
    let calls = 0;
    await timers.start(async () => {
      calls++;
      throw new Error('dependency down');
    }, 100);
    await eventually(async () => (calls >= 1 ? true : undefined), 5000);
    await timers.stop();
    const [item] = await timers.list();
    expect(item).toMatchObject({ timerId: 'flaky', status: 'scheduled', attempts: 1, lastError: 'dependency down' });
    expect(Date.parse(item!.dueAt)).toBeGreaterThan(Date.now());
  });

  it('lets exactly one of two concurrent approval updates win', async () => {
    const store = new DynamoDbApprovalStore('incidents', client);
    const request = {
      approvalId: 'apr-race',
      incidentId: 'inc-1',
      requestedAt: new Date().toISOString(),
      status: 'pending',
      version: 1,
      votes: [],
    } as unknown as ApprovalRequest;
    expect(await store.create(request)).toBe(true);
    expect(await store.create(request)).toBe(false);
    const results = await Promise.all([
      store.replace({ ...request, status: 'approved' }, 1),
      store.replace({ ...request, status: 'rejected' }, 1),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.get('apr-race'))?.version).toBe(2);
    expect((await store.list({ status: 'pending' })).map((r) => r.approvalId)).not.toContain('apr-race');
  });
});
