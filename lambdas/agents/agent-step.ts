import type { Incident, TimelineEntry } from '../core/incident';
import type { Clock } from '../ports/clock';
import type { IncidentChanges, IncidentStore } from '../ports/incident-store';
import { TransientError } from '../shared/errors';
import { loadIncident } from '../workflow/step-input';

/** What an agent's core produced, ready to store. */
export interface AgentOutcome {
  /** Stored under `incident.agents.<agent>`. */
  readonly result: Record<string, unknown>;
  /** One line for the timeline. */
  readonly summary: string;
  /** Detail attached to the timeline entry. */
  readonly data?: Record<string, unknown>;
  /** Top-level fields the agent also owns (triage: `triage`, `priority`, `status`). */
  readonly set?: IncidentChanges['set'];
  /** What the state machine receives (kept small: the ASL selects from it). */
  readonly output: Record<string, unknown>;
}

export interface AgentStepDeps {
  readonly store: IncidentStore;
  readonly clock: Clock;
}

/**
 * Runs one enrichment agent on one incident: loads it, runs `work`, and writes the result under `agents.<agent>`
 * with a timeline entry, in one update. When `work` fails for a reason retrying cannot fix, the failure is written
 * the same way (status `failed`, the error's name) before it is rethrown, so the incident shows which agent is
 * missing and why, while the state machine's Catch degrades that branch only. Transient failures are rethrown
 * untouched: the Retry will run the agent again.
 */
export async function runAgentStep(
  agent: string,
  incidentId: string,
  deps: AgentStepDeps,
  work: (incident: Incident) => Promise<AgentOutcome>,
): Promise<Record<string, unknown>> {
  const incident = await loadIncident(deps.store, incidentId);
  let outcome: AgentOutcome;
  try {
    outcome = await work(incident);
  } catch (error) {
    if (error instanceof TransientError) throw error;
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    await deps.store
      .update(incidentId, {
        agents: { [agent]: { status: 'failed', error: name, message: message.slice(0, 500) } },
        append: [entry(deps.clock, agent, `${agent}.failed`, `${agent} agent failed (${name}); continuing without it`)],
      })
      .catch(() => undefined);
    throw error;
  }
  await deps.store.update(incidentId, {
    ...(outcome.set ? { set: outcome.set } : {}),
    agents: { [agent]: outcome.result },
    append: [entry(deps.clock, agent, `agent.${agent}`, outcome.summary, outcome.data)],
  });
  return outcome.output;
}

function entry(
  clock: Clock,
  actor: string,
  type: string,
  summary: string,
  data?: Record<string, unknown>,
): TimelineEntry {
  return { at: clock.now().toISOString(), actor, type, summary, ...(data ? { data } : {}) };
}
