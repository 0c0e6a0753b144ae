import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { logger } from '../shared/observability';
import { parseStepInput } from '../workflow/step-input';
import { observed } from './observed';

/** The payload schema of a step: the ASL always passes at least the incident id. */
export type StepInputSchema = z.ZodType<{ incidentId: string }>;

/**
 * The handler of one workflow step: validates the payload the state machine passes (a malformed one is a named
 * error the ASL Catch sees), then runs `run` with the incident id on every log line of the invocation, next to the
 * request id.
 */
export function workflowStep<S extends StepInputSchema, R>(
  input: S,
  run: (input: z.infer<S>, context: Context) => Promise<R>,
) {
  return observed<unknown, R>().handler(async (payload, context) => {
    const parsed = parseStepInput(input, payload);
    logger.appendKeys({ incidentId: parsed.incidentId });
    return run(parsed, context);
  });
}
