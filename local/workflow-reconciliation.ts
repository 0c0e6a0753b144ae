import { executionName } from '../lambdas/core/ids';
import type { Incident } from '../lambdas/core/incident';
import type { Clock } from '../lambdas/ports/clock';
import { type IncidentStore, isClosed } from '../lambdas/ports/incident-store';
import type { ExecutionStatus } from './stepfunctions/execution-store';

/** What reconciliation needs to know and do about executions (the local Step Functions engine provides it). */
export interface ExecutionControl {
  /** The execution's status and error, or undefined when no record of it exists. */
  describe(executionArn: string): { status: ExecutionStatus; error?: string } | undefined;
  /** Continues a stopped execution where it stopped (RedriveExecution). */
  redrive(executionArn: string): Promise<void>;
  /** Starts the workflow under `name` (idempotent by name, like intake's own start). */
  start(name: string, input: Record<string, unknown>): Promise<{ executionArn: string }>;
  /** The ARN an execution of this name has. */
  arnOf(name: string): string;
}

export interface ReconcileDeps {
  store: IncidentStore;
  executions: ExecutionControl;
  clock: Clock;
  /** Hands the incident to a person exactly as the workflow's FlagForHuman step does (status, timeline, message). */
  flagForHuman(incidentId: string, reason: string): Promise<void>;
  /** How many incidents to look at, newest first. @default 10000 */
  limit?: number;
}

/** What was done to which incident. */
export interface ReconcileReport {
  checked: number;
  started: string[];
  redriven: string[];
  flagged: string[];
}

/** Errors with which the local engine itself ended executions before it could resume them (older LUMOS_HOMEs). */
const ENDED_BY_ENGINE = new Set(['Lumos.EngineRestarted', 'Lumos.EngineShutDown']);
/** Statuses in which a person already has the incident. */
const WITH_A_PERSON = new Set(['needs_human', 'escalated']);

/**
 * At start-up, makes sure no open incident is left without a workflow driving it. Executions that were running
 * resume by themselves; for the others:
 * - an incident that never got its execution (the process died between storing it and starting it) is started,
 *   under the same deterministic name and input intake uses;
 * - an execution that a local engine ended only because it stopped (`Lumos.EngineRestarted`/`EngineShutDown`, as
 *   older versions did) is redriven from where it stopped;
 * - anything else that left an open incident without a live workflow (a lost execution record, an execution that
 *   failed, timed out or was stopped by hand) is handed to a person, unless one already has it.
 */
export async function reconcileWorkflows(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, started: [], redriven: [], flagged: [] };
  for (const incident of await deps.store.list({ limit: deps.limit ?? 10_000 })) {
    if (isClosed(incident.status)) continue;
    report.checked++;
    const name = executionName(incident.source, incident.openedByDelivery ?? incident.incidentId);
    const executionArn = incident.executionArn ?? deps.executions.arnOf(name);
    const execution = deps.executions.describe(executionArn);

    if (!execution) {
      if (!incident.executionArn && incident.status === 'new') {
        await startWorkflow(deps, incident, name);
        report.started.push(incident.incidentId);
      } else if (await flag(deps, incident, `its workflow execution ${executionArn} no longer exists`)) {
        report.flagged.push(incident.incidentId);
      }
      continue;
    }
    if (!incident.executionArn) {
      // Started before the process died, but never linked to the incident.
      await deps.store.update(incident.incidentId, { set: { executionArn } });
    }
    if (execution.status === 'RUNNING' || execution.status === 'SUCCEEDED') continue;
    if (execution.status === 'ABORTED' && execution.error && ENDED_BY_ENGINE.has(execution.error)) {
      await deps.executions.redrive(executionArn);
      await deps.store.update(incident.incidentId, {
        append: [
          {
            at: deps.clock.now().toISOString(),
            actor: 'system',
            type: 'workflow.redriven',
            summary: 'The workflow stopped when the local runtime did; it continues where it stopped',
            data: { executionArn },
          },
        ],
      });
      report.redriven.push(incident.incidentId);
      continue;
    }
    const why = `its workflow ended ${execution.status}${execution.error ? ` (${execution.error})` : ''}`;
    if (await flag(deps, incident, why)) report.flagged.push(incident.incidentId);
  }
  return report;
}

async function startWorkflow(deps: ReconcileDeps, incident: Incident, name: string): Promise<void> {
  // The same input intake gives the workflow, so a later redelivery names and starts the very same execution.
  const { executionArn } = await deps.executions.start(name, {
    incidentId: incident.incidentId,
    source: incident.source,
    priority: incident.priority,
  });
  await deps.store.update(incident.incidentId, {
    set: { executionArn },
    append: [
      {
        at: deps.clock.now().toISOString(),
        actor: 'system',
        type: 'workflow.started',
        summary: 'Agents assigned: workflow started (after the local runtime restarted)',
      },
    ],
  });
}

async function flag(deps: ReconcileDeps, incident: Incident, why: string): Promise<boolean> {
  if (WITH_A_PERSON.has(incident.status)) return false;
  await deps.flagForHuman(incident.incidentId, `the incident was left without a running workflow: ${why}`);
  return true;
}

/**
 * Runs {@link reconcileWorkflows} for the local runtime: the incident store and clock it provides, its Step
 * Functions engine, and its FlagForHuman function (so a person is flagged exactly as the workflow would).
 */
export async function reconcileLocalRuntime(options: {
  executions: ExecutionControl;
  flagForHuman: (payload: { incidentId: string; error: { Error: string; Cause: string } }) => Promise<unknown>;
  log: (message: string) => void;
}): Promise<ReconcileReport> {
  const { incidentStore } = await import('../lambdas/runtime/ports/incident-store');
  const { clock } = await import('../lambdas/runtime/ports/clock');
  const report = await reconcileWorkflows({
    store: incidentStore(),
    clock: clock(),
    executions: options.executions,
    flagForHuman: async (incidentId, reason) => {
      await options.flagForHuman({ incidentId, error: { Error: 'Lumos.WorkflowLost', Cause: reason } });
    },
  });
  if (report.started.length + report.redriven.length + report.flagged.length > 0) {
    options.log(
      `reconciled workflows: ${report.started.length} started, ${report.redriven.length} redriven, ${report.flagged.length} handed to a person (of ${report.checked} open incidents)`,
    );
  }
  return report;
}
