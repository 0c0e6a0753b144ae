import { z } from 'zod';
import type { TriageModel } from '../../ports/triage-model';

const Sparse = z.array(z.tuple([z.number().int().nonnegative(), z.number()]));
const FieldModelSchema = z.object({
  classes: z.array(z.string()),
  docs: z.array(z.number()),
  totals: z.array(z.number()),
  counts: z.array(Sparse),
});

/** The triage model file, as `bin/train-triage.ts` writes it. */
export const TriageModelSchema = z.object({
  format: z.literal('lumos-triage-model'),
  version: z.literal(1),
  trainedAt: z.string(),
  trainedOn: z.string(),
  exampleCount: z.number().int().nonnegative(),
  vocabulary: z.array(z.string()),
  idf: z.array(z.number()),
  fields: z.object({
    category: FieldModelSchema.optional(),
    priority: FieldModelSchema.optional(),
    assignmentGroup: FieldModelSchema.optional(),
  }),
  history: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      category: z.string().optional(),
      priority: z.string().optional(),
      assignmentGroup: z.string().optional(),
      service: z.string().optional(),
      resolution: z.string().optional(),
      vector: Sparse,
    }),
  ),
});

/** The file is not a triage model this version reads. */
export class InvalidTriageModelError extends Error {
  override readonly name = 'InvalidTriageModelError';
}

/** Validates a decoded model file. @throws InvalidTriageModelError */
export function parseTriageModel(raw: unknown): TriageModel {
  const parsed = TriageModelSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidTriageModelError(`not a Lumos triage model: ${z.prettifyError(parsed.error)}`);
  const model = parsed.data;
  const size = model.vocabulary.length;
  if (model.idf.length !== size) throw new InvalidTriageModelError('idf and vocabulary differ in length');
  return {
    ...model,
    fields: {
      category: model.fields.category,
      priority: model.fields.priority,
      assignmentGroup: model.fields.assignmentGroup,
    },
  } as TriageModel;
}
