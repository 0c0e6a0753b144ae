import type { Signal } from '../../../lambdas/core/incident';
import { acceptSignal } from '../../../lambdas/intake/intake-service';
import type { Workflow } from '../../../lambdas/ports/workflow';
import { MemoryIncidentStore } from '../../support/memory-incident-store';

class RecordingWorkflow implements Workflow {
  readonly started: { name: string; input: Record<string, unknown> }[] = [];
  failNext = false;
  async start(name: string, input: Record<string, unknown>) {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('Step Functions unavailable');
    }
    this.started.push({ name, input });
    return { executionArn: `arn:aws:states:us-east-1:0:execution:sm:${name}`, alreadyStarted: false };
  }
  async sendTaskSuccess() {}
  async sendTaskFailure() {}
  async sendTaskHeartbeat() {}
}

const signal = (overrides: Partial<Signal> = {}): Signal => ({
  source: 'servicenow',
  kind: 'ticket',
  action: 'create',
  deliveryId: 'servicenow:abc:0:',
  fingerprint: 'servicenow:abc',
  externalId: 'INC1',
  title: 'Disk full on build host',
  description: 'no space left on device',
  severity: { impact: 2, urgency: 2 },
  occurredAt: '2026-11-20T10:00:00Z',
  labels: {},
  ...overrides,
});

function setup() {
  const store = new MemoryIncidentStore();
  const workflow = new RecordingWorkflow();
  const deps = { store, workflow, archive: { put: async () => 'file:///raw' }, clock: { now: () => new Date('2026-11-20T10:00:01Z') } };
  return { store, workflow, deps };
}

describe('accepting a signal', () => {
  it('creates an incident with the matrix priority and starts one workflow named after the delivery', async () => {
    const { store, workflow, deps } = setup();
    const answer = await acceptSignal(deps, signal(), 'file:///raw');
    expect(answer).toMatchObject({ status: 'created', priority: 'P3' });
    const incident = await store.get(answer.incidentId!);
    expect(incident).toMatchObject({ status: 'new', priority: 'P3', executionArn: expect.stringContaining(workflow.started[0]!.name) });
    expect(incident?.timeline.map((t) => t.type)).toEqual(['incident.created', 'workflow.started']);
    expect(workflow.started[0]!.name).toMatch(/^servicenow-[0-9a-f]{40}$/);
  });

  it('answers a redelivery as duplicate with the same incident and starts nothing', async () => {
    const { workflow, deps } = setup();
    const first = await acceptSignal(deps, signal(), 'file:///raw');
    const again = await acceptSignal(deps, signal(), 'file:///raw');
    expect(again).toMatchObject({ status: 'duplicate', incidentId: first.incidentId });
    expect(workflow.started).toHaveLength(1);
  });

  it('finishes the job on redelivery when the first attempt died before the workflow started', async () => {
    const { store, workflow, deps } = setup();
    workflow.failNext = true;
    await expect(acceptSignal(deps, signal(), 'file:///raw')).rejects.toThrow('unavailable');
    const retry = await acceptSignal(deps, signal(), 'file:///raw');
    expect(retry.status).toBe('duplicate');
    expect(workflow.started).toHaveLength(1);
    expect((await store.get(retry.incidentId!))?.executionArn).toBeDefined();
  });

  it('updates the open incident for a later change to the same ticket and records the priority change', async () => {
    const { store, workflow, deps } = setup();
    const created = await acceptSignal(deps, signal(), 'file:///raw');
    const updated = await acceptSignal(
      deps,
      signal({ action: 'update', deliveryId: 'servicenow:abc:1:', severity: { impact: 1, urgency: 1 } }),
      'file:///raw',
    );
    expect(updated).toMatchObject({ status: 'updated', incidentId: created.incidentId, priority: 'P1' });
    const incident = await store.get(created.incidentId!);
    expect(incident?.priority).toBe('P1');
    expect(incident?.timeline.at(-1)?.summary).toContain('P3 -> P1');
    expect(workflow.started).toHaveLength(1);
  });

  it('resolves the open incident on a recovery and ignores a recovery for nothing', async () => {
    const { store, deps } = setup();
    const orphan = await acceptSignal(deps, signal({ action: 'resolve', deliveryId: 'd-0', fingerprint: 'other' }), 'file:///raw');
    expect(orphan).toMatchObject({ status: 'ignored', incidentId: null });
    const created = await acceptSignal(deps, signal(), 'file:///raw');
    const resolved = await acceptSignal(deps, signal({ action: 'resolve', deliveryId: 'd-2' }), 'file:///raw');
    expect(resolved).toMatchObject({ status: 'resolved', incidentId: created.incidentId });
    expect((await store.get(created.incidentId!))?.status).toBe('resolved');
  });

  it('correlates a new signal with the same fingerprint onto the open incident', async () => {
    const { workflow, deps } = setup();
    const created = await acceptSignal(deps, signal(), 'file:///raw');
    const correlated = await acceptSignal(deps, signal({ deliveryId: 'd-3' }), 'file:///raw');
    expect(correlated).toMatchObject({ status: 'correlated', incidentId: created.incidentId });
    expect(workflow.started).toHaveLength(1);
  });
});
