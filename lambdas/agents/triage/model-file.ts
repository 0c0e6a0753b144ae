import * as z from 'zod';
import type { TriageModel } from '../../ports/triage-model';

const FieldHeadSchema = z.object({
  classes: z.array(z.string()).min(2),
  weights: z.array(z.array(z.number())),
  bias: z.array(z.number()),
  temperature: z.number().positive(),
  heldOut: z.object({ count: z.number(), accuracy: z.number(), ece: z.number() }).optional(),
});

/** The triage model file, as `bin/train-triage.ts` writes it. */
export const TriageModelSchema = z.object({
  format: z.literal('lumos-triage-model'),
  version: z.literal(2),
  trainedAt: z.string(),
  trainedOn: z.string(),
  exampleCount: z.number().int().nonnegative(),
  embedding: z.object({ model: z.string().min(1), dimensions: z.number().int().positive() }),
  vocabulary: z.array(z.string()),
  idf: z.array(z.number()),
  standardiser: z.object({ mean: z.array(z.number()), scale: z.array(z.number()) }),
  fields: z.object({
    category: FieldHeadSchema.optional(),
    priority: FieldHeadSchema.optional(),
    assignmentGroup: FieldHeadSchema.optional(),
  }),
  familiarity: z.array(z.number()),
  history: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      category: z.string().optional(),
      priority: z.string().optional(),
      assignmentGroup: z.string().optional(),
      service: z.string().optional(),
      resolution: z.string().optional(),
      vector: z.string(),
    }),
  ),
});

/** The file is not a triage model this version reads. */
export class InvalidTriageModelError extends Error {
  override readonly name = 'InvalidTriageModelError';
}

/** Validates a decoded model file, including that every array has the size the embedding promises. @throws InvalidTriageModelError */
export function parseTriageModel(raw: unknown): TriageModel {
  if (raw && typeof raw === 'object' && (raw as { version?: unknown }).version === 1)
    throw new InvalidTriageModelError(
      'this is a version 1 (word-count) triage model: retrain it with bin/train-triage.ts to get version 2',
    );
  const parsed = TriageModelSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidTriageModelError(`not a Lumos triage model: ${z.prettifyError(parsed.error)}`);
  const model = parsed.data;
  const size = model.embedding.dimensions;
  if (model.standardiser.mean.length !== size || model.standardiser.scale.length !== size)
    throw new InvalidTriageModelError(`the standardiser does not have ${size} dimensions`);
  if (model.idf.length !== model.vocabulary.length)
    throw new InvalidTriageModelError('idf and vocabulary differ in length');
  for (const [field, head] of Object.entries(model.fields)) {
    if (!head) continue;
    if (head.weights.length !== head.classes.length || head.bias.length !== head.classes.length)
      throw new InvalidTriageModelError(`the ${field} head has not one row of weights per class`);
    if (head.weights.some((row) => row.length !== size + model.vocabulary.length))
      throw new InvalidTriageModelError(`the ${field} head's weights do not match the embedding and vocabulary`);
  }
  const vectorChars = Math.ceil(size / 3) * 4;
  if (model.history.some((past) => past.vector.length !== vectorChars))
    throw new InvalidTriageModelError(`a resolved incident's vector is not ${size} quantised dimensions`);
  return {
    ...model,
    fields: {
      category: model.fields.category,
      priority: model.fields.priority,
      assignmentGroup: model.fields.assignmentGroup,
    },
  } as TriageModel;
}
