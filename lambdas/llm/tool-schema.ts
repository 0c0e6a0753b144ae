import * as z from 'zod';

/** Tool names Bedrock accepts. */
const TOOL_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;

/** Thrown when a request names its answer tool in a way the model API would reject. */
export class InvalidToolNameError extends Error {
  override readonly name = 'InvalidToolNameError';
}

/** Checks a tool name before it reaches the API, so the mistake is ours and named, not a ValidationException. */
export function assertToolName(name: string): void {
  if (!TOOL_NAME.test(name)) throw new InvalidToolNameError(`tool name '${name}' must match ${TOOL_NAME}`);
}

/**
 * The JSON schema of what the model must produce for `schema`: the input side of the zod schema (defaults optional),
 * without the `$schema` key, which tool schemas do not take.
 */
export function toToolInputSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema: _ignored, ...rest } = json;
  return rest;
}

/** Result of checking a model's answer against the schema. */
export type OutputCheck<T> = { ok: true; value: T } | { ok: false; issues: string[] };

/** Validates a model's raw answer; issues read like `category: Invalid option` so they can be shown back to it. */
export function checkModelOutput<T>(schema: z.ZodType<T>, raw: unknown): OutputCheck<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  };
}
