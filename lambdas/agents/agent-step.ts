import { sha256Hex } from '../core/ids';
import type { Incident, TimelineEntry } from '../core/incident';
import { agentDecisionEntry } from '../governance/audit/agent-decisions';
import { canonicalJson } from '../governance/audit/audit-chain';
import type { AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { IncidentChanges, IncidentStore } from '../ports/incident-store';
import type { LanguageModel, StructuredRequest } from '../ports/llm';
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
  /** How the agent decided without a model; the audit record names it `local:<method>` when no model answered. */
  readonly method?: string;
  /** Knowledge the decision drew on: article ids and the version (last update) each had. */
  readonly retrieved?: readonly { articleId: string; version: string }[];
}

export interface AgentStepDeps {
  readonly store: IncidentStore;
  readonly clock: Clock;
  /** Where each decision is recorded before it is stored on the incident. */
  readonly audit: AuditTrail;
}

/** Handed to an agent's work so its audit record names the model that answered and the exact prompt it was given. */
export interface DecisionRecorder {
  /** The same model, recording the model id and request of every call that answered. */
  model(llm: LanguageModel): LanguageModel;
}

/** The failure of an audit append: transient, so the step's Retry runs the agent again and its Catch takes over after. */
export class AuditAppendFailedError extends TransientError {
  constructor(agent: string, incidentId: string, cause: unknown) {
    super(
      `could not record the ${agent} decision on incident ${incidentId} in the audit trail: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** Records the model calls that answered during one agent run. */
class ModelCalls implements DecisionRecorder {
  readonly answered: { modelId: string; request: Omit<StructuredRequest<unknown>, 'schema'> }[] = [];
  model(llm: LanguageModel): LanguageModel {
    return {
      generate: async (request) => {
        const response = await llm.generate(request);
        const { schema: _schema, ...prompt } = request;
        this.answered.push({ modelId: response.modelId, request: prompt });
        return response;
      },
    };
  }
}

/**
 * Runs one agent on one incident: loads it, runs `work`, records the decision in the audit trail, and writes the
 * result under `agents.<agent>` with a timeline entry, in one update.
 *
 * The audit record (type `agent.decision`) names the model that answered (or `local:<method>` when the agent decided
 * without one), the sha256 of the exact input it saw (the model requests when a model answered, else the incident as
 * loaded), the knowledge it drew on, and its output. It is appended before the incident is updated, so no decision
 * lands on the incident without its record; when the append fails the step fails with a transient error
 * ({@link AuditAppendFailedError}) and the state machine's Retry, then its Catch, handle it. A retried step records
 * its decision again: the trail is append-only, and each record is one run of the agent.
 *
 * When `work` fails for a reason retrying cannot fix, the failure is written to the incident (status `failed`, the
 * error's name) before it is rethrown, so the incident shows which agent is missing and why, while the state
 * machine's Catch degrades that branch only. Transient failures are rethrown untouched: the Retry will run the agent
 * again. Failures are not agent decisions and are not recorded in the audit trail.
 */
export async function runAgentStep(
  agent: string,
  incidentId: string,
  deps: AgentStepDeps,
  work: (incident: Incident, decision: DecisionRecorder) => Promise<AgentOutcome>,
): Promise<Record<string, unknown>> {
  const incident = await loadIncident(deps.store, incidentId);
  const calls = new ModelCalls();
  let outcome: AgentOutcome;
  try {
    outcome = await work(incident, calls);
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
  try {
    await deps.audit.append(incidentId, decisionEntry(agent, incident, calls, outcome));
  } catch (error) {
    throw new AuditAppendFailedError(agent, incidentId, error);
  }
  await deps.store.update(incidentId, {
    ...(outcome.set ? { set: outcome.set } : {}),
    agents: { [agent]: outcome.result },
    append: [entry(deps.clock, agent, `agent.${agent}`, outcome.summary, outcome.data)],
  });
  return outcome.output;
}

function decisionEntry(agent: string, incident: Incident, calls: ModelCalls, outcome: AgentOutcome) {
  const models = [...new Set(calls.answered.map((call) => call.modelId))];
  const prompted = calls.answered.length > 0;
  return agentDecisionEntry(
    {
      agent,
      modelId: prompted ? models.join(' + ') : `local:${outcome.method ?? agent}`,
      promptHash: sha256Hex(canonicalJson(prompted ? calls.answered.map((call) => call.request) : incident)),
      promptOf: prompted ? 'model-requests' : 'incident',
      retrieved: [...(outcome.retrieved ?? [])],
      output: { result: outcome.output, ...(outcome.data ? { detail: outcome.data } : {}) },
    },
    `${agent}: ${outcome.summary}`.slice(0, 500),
  );
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
