import { executionName } from '../../../lambdas/core/ids';
import type { Incident } from '../../../lambdas/core/incident';
import type { ExecutionStatus } from '../../../local/stepfunctions/execution-store';
import { type ExecutionControl, reconcileWorkflows } from '../../../local/workflow-reconciliation';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { ManualClock, triagedIncident } from '../governance/fakes';

const arnOf = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:lumos-incident:${name}`;

/** Executions by ARN, and what reconciliation asked of them. */
class FakeExecutions implements ExecutionControl {
  readonly records = new Map<string, { status: ExecutionStatus; error?: string }>();
  readonly redriven: string[] = [];
  readonly started: { name: string; input: Record<string, unknown> }[] = [];
  describe(executionArn: string) {
    return this.records.get(executionArn);
  }
  async redrive(executionArn: string) {
    this.redriven.push(executionArn);
    this.records.set(executionArn, { status: 'RUNNING' });
  }
  async start(name: string, input: Record<string, unknown>) {
    this.started.push({ name, input });
    this.records.set(arnOf(name), { status: 'RUNNING' });
    return { executionArn: arnOf(name) };
  }
  arnOf = arnOf;
}

async function setup(incidents: Partial<Incident>[]) {
  const store = new MemoryIncidentStore();
  for (const [i, overrides] of incidents.entries()) {
    await store.create(triagedIncident({ incidentId: `inc-${i}`, openedByDelivery: `delivery-${i}`, ...overrides }));
  }
  const executions = new FakeExecutions();
  const flagged: { incidentId: string; reason: string }[] = [];
  const run = () =>
    reconcileWorkflows({
      store,
      executions,
      clock: new ManualClock(),
      flagForHuman: async (incidentId, reason) => {
        flagged.push({ incidentId, reason });
        await store.update(incidentId, { set: { status: 'needs_human' } });
      },
    });
  return { store, executions, flagged, run };
}

const arnFor = (i: number) => arnOf(executionName('servicenow', `delivery-${i}`));

describe('start-up reconciliation of workflows', () => {
  it('leaves running and finished workflows alone, and closed incidents without a workflow too', async () => {
    const { executions, flagged, run } = await setup([
      { executionArn: arnFor(0) },
      { executionArn: arnFor(1), status: 'in_progress' },
      { status: 'resolved' },
    ]);
    executions.records.set(arnFor(0), { status: 'RUNNING' });
    executions.records.set(arnFor(1), { status: 'SUCCEEDED' });

    const report = await run();

    expect(report).toEqual({ checked: 2, started: [], redriven: [], flagged: [] });
    expect(flagged).toEqual([]);
  });

  it('starts the workflow of a new incident that never got one, under the name and input intake uses', async () => {
    const { store, executions, run } = await setup([{ status: 'new', priority: 'P2' }]);

    expect((await run()).started).toEqual(['inc-0']);
    expect(executions.started).toEqual([
      {
        name: executionName('servicenow', 'delivery-0'),
        input: { incidentId: 'inc-0', source: 'servicenow', priority: 'P2' },
      },
    ]);
    expect((await store.get('inc-0'))?.executionArn).toBe(arnFor(0));
    // A second start-up finds it running: nothing more happens.
    expect(await run()).toMatchObject({ started: [], redriven: [], flagged: [] });
  });

  it('redrives a workflow an older engine ended only because the runtime stopped', async () => {
    const { store, executions, run } = await setup([{ executionArn: arnFor(0), status: 'awaiting_approval' }]);
    executions.records.set(arnFor(0), { status: 'ABORTED', error: 'Lumos.EngineRestarted' });

    expect((await run()).redriven).toEqual(['inc-0']);
    expect(executions.redriven).toEqual([arnFor(0)]);
    expect((await store.get('inc-0'))?.timeline.map((e) => e.type)).toContain('workflow.redriven');
  });

  it('hands an incident to a person when its execution is lost, failed or was stopped, once', async () => {
    const { executions, flagged, run } = await setup([
      { executionArn: arnFor(0), status: 'triaged' },
      { executionArn: arnFor(1), status: 'awaiting_approval' },
      { executionArn: arnFor(2), status: 'triaging' },
      { executionArn: arnFor(3), status: 'needs_human' },
    ]);
    executions.records.set(arnFor(1), { status: 'FAILED', error: 'States.Runtime' });
    executions.records.set(arnFor(2), { status: 'ABORTED', error: 'Operator.Stopped' });
    executions.records.set(arnFor(3), { status: 'FAILED' });

    const report = await run();

    expect(report.flagged.sort()).toEqual(['inc-0', 'inc-1', 'inc-2']);
    expect(flagged.find((f) => f.incidentId === 'inc-0')?.reason).toMatch(/no longer exists/);
    expect(flagged.find((f) => f.incidentId === 'inc-1')?.reason).toMatch(/FAILED \(States.Runtime\)/);
    expect((await run()).flagged).toEqual([]);
  });
});
