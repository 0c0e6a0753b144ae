import * as z from 'zod';
import type { Incident } from '../core/incident';
import { IncidentNotFoundError, type IncidentStore } from '../ports/incident-store';
import { BadRequestError } from '../shared/errors';

/** Every workflow step is invoked with at least the incident id. */
export const StepInput = z.looseObject({ incidentId: z.string().min(1) });

/** Validates a step's payload; a malformed payload is a bug in the ASL, reported by name to the Catch. */
export function parseStepInput<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw new BadRequestError(
      `invalid step input: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Loads the incident a step works on; its absence is a named error the state machine routes to a person. */
export async function loadIncident(store: IncidentStore, incidentId: string): Promise<Incident> {
  const incident = await store.get(incidentId);
  if (!incident) throw new IncidentNotFoundError(incidentId);
  return incident;
}
