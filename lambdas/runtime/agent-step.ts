import type * as z from 'zod';
import { type AgentOutcome, type DecisionRecorder, runAgentStep } from '../agents/agent-step';
import type { Incident } from '../core/incident';
import { type AgentStepId, agentName } from '../function-catalogue';
import { StepInput } from '../workflow/step-input';
import { auditTrail } from './ports/audit-trail';
import { clock } from './ports/clock';
import { incidentStore } from './ports/incident-store';
import { type StepInputSchema, workflowStep } from './workflow-step';

/** What an agent step does; see {@link agentStep}. */
export interface AgentStepOptions<S extends StepInputSchema, O extends Record<string, unknown>> {
  /**
   * The step's catalogue id; its agent name there is the result key under `incident.agents` and the actor of its
   * timeline and audit entries.
   */
  readonly step: AgentStepId;
  /** @default StepInput (the incident id) */
  readonly input?: S;
  /** The agent's work on the loaded incident; `decision` wraps the model so the audit record names what answered. */
  readonly work: (
    incident: Incident,
    decision: DecisionRecorder,
    input: z.infer<S>,
  ) => Promise<AgentOutcome & { readonly output: O }>;
}

/**
 * The handler of an agent step: loads the incident, runs the agent, records its decision in the audit trail and
 * stores the result with a timeline entry ({@link runAgentStep}). The state machine receives `output`.
 */
export function agentStep<O extends Record<string, unknown>, S extends StepInputSchema = typeof StepInput>(
  options: AgentStepOptions<S, O>,
) {
  const agent = agentName(options.step);
  return workflowStep(
    options.input ?? (StepInput as unknown as S),
    async (input) =>
      (await runAgentStep(
        agent,
        input.incidentId,
        { store: incidentStore(), clock: clock(), audit: auditTrail() },
        (incident, decision) => options.work(incident, decision, input),
      )) as O,
  );
}
