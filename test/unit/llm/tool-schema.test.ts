import { z } from 'zod';
import { checkModelOutput, toToolInputSchema } from '../../../lambdas/llm/tool-schema';

describe('tool schemas from zod', () => {
  const Schema = z.object({
    category: z.enum(['network', 'database']),
    confidence: z.number().min(0).max(1),
    reasons: z.array(z.string()).max(3),
    note: z.string().optional(),
    attempts: z.number().int().default(1),
  });

  it('become JSON schemas without a $schema key, with enums, bounds and required fields', () => {
    const json = toToolInputSchema(Schema);
    expect(json.$schema).toBeUndefined();
    expect(json).toMatchObject({
      type: 'object',
      properties: {
        category: { type: 'string', enum: ['network', 'database'] },
        confidence: { type: 'number', minimum: 0, maximum: 1 },
        reasons: { type: 'array', maxItems: 3 },
      },
    });
    expect(json.required).toEqual(['category', 'confidence', 'reasons']);
  });

  it('validate model output and describe every problem by path', () => {
    expect(checkModelOutput(Schema, { category: 'network', confidence: 0.3, reasons: [] })).toEqual({
      ok: true,
      value: { category: 'network', confidence: 0.3, reasons: [], attempts: 1 },
    });
    const bad = checkModelOutput(Schema, { category: 'P1 now', confidence: 7, reasons: ['a', 'b', 'c', 'd'] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.issues.some((i) => i.startsWith('category:'))).toBe(true);
      expect(bad.issues.some((i) => i.startsWith('confidence:'))).toBe(true);
      expect(bad.issues.some((i) => i.startsWith('reasons:'))).toBe(true);
    }
  });
});
