import * as z from 'zod';
import { Priority, type Signal } from '../../core/incident';
import {
  batchItem,
  firstLine,
  IdLike,
  isoTime,
  names,
  type ParseContext,
  type ParseOutcome,
  ScalarRecord,
  type SourceParser,
  validate,
} from './source';

/** Action words accepted in `action` (or `status`), by what they mean. */
const ACTIONS: Record<string, Signal['action']> = {
  trigger: 'create',
  triggered: 'create',
  firing: 'create',
  create: 'create',
  open: 'create',
  problem: 'create',
  alarm: 'create',
  update: 'update',
  updated: 'update',
  change: 'update',
  resolve: 'resolve',
  resolved: 'resolve',
  recovered: 'resolve',
  ok: 'resolve',
  close: 'resolve',
  closed: 'resolve',
};

const Scale = z.union([z.number().int().min(1).max(3), z.enum(['1', '2', '3']).transform(Number)]);

/** Lumos' own signal format (documented in GENERIC.md). */
export const GenericSignal = z.looseObject({
  id: IdLike.pipe(z.string().max(512)),
  title: z.string().trim().min(1, 'title must not be empty'),
  action: z
    .string()
    .transform((a) => a.trim().toLowerCase())
    .refine((a) => a in ACTIONS, { message: `action must be one of ${Object.keys(ACTIONS).join(', ')}` })
    .optional(),
  status: z.string().optional(),
  kind: z.enum(['alert', 'ticket']).default('alert'),
  fingerprint: IdLike.pipe(z.string().max(512)).optional(),
  externalId: IdLike.pipe(z.string().max(512)).optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
  description: z.string().optional(),
  service: z.string().optional(),
  priority: z
    .string()
    .transform((p) => p.trim().toUpperCase())
    .pipe(Priority)
    .optional(),
  severity: z.string().optional(),
  impact: Scale.optional(),
  urgency: Scale.optional(),
  source: z.string().max(256).optional(),
  occurredAt: z.string().optional(),
  labels: ScalarRecord.optional(),
  correlationKeys: z.array(z.string().min(1)).max(10).optional(),
  serviceHints: z.array(z.string()).max(20).optional(),
  changedBy: z.union([z.string(), z.array(z.string())]).optional(),
  note: z.string().optional(),
});
type GenericSignal = z.infer<typeof GenericSignal>;

/** A batch: up to 500 signals, each judged on its own (one malformed entry is refused, the others count). */
const Batch = z.looseObject({ signals: z.array(z.unknown()).min(1).max(500) });

function toSignal(input: GenericSignal, context: ParseContext): Signal {
  const word = input.action ?? input.status?.trim().toLowerCase();
  const action = (word && ACTIONS[word]) || 'create';
  const identity = input.fingerprint ?? input.externalId ?? input.id;
  return {
    source: 'generic',
    kind: input.kind,
    action,
    deliveryId: `generic:${input.id}`,
    fingerprint: `generic:${identity}`,
    externalId: input.externalId ?? identity,
    externalUrl: input.url,
    title: firstLine(input.title) ?? input.title,
    description: input.description ?? '',
    service: input.service,
    serviceHints: input.serviceHints,
    severity: {
      impact: input.impact,
      urgency: input.urgency,
      priority: input.priority,
      label: input.severity?.trim().toLowerCase() || undefined,
    },
    reporter: input.source,
    occurredAt: isoTime(input.occurredAt, context.receivedAt),
    labels: { ...input.labels, ...(input.source ? { sender: input.source } : {}) },
    correlationKeys: input.correlationKeys?.map((key) => `generic:${key}`),
    changedBy: names(input.changedBy ?? []),
    changeNote: input.note,
  };
}

/**
 * Lumos' generic JSON: one signal object, or `{"signals": [...]}` with up to 500. For anything that can sign a
 * request (`X-Lumos-Signature: sha256=<hex HMAC-SHA256(secret, body)>`) but has no intake of its own.
 */
export const genericParser: SourceParser = {
  source: 'generic',
  auth: { kind: 'hmac-sha256-hex', header: 'x-lumos-signature' },
  parse(body: unknown, context: ParseContext): ParseOutcome {
    if (body && typeof body === 'object' && !Array.isArray(body) && 'signals' in body) {
      const batch = validate(Batch, body, 'Lumos signals');
      const items = batch.signals.map((entry, index) =>
        batchItem(`signals.${index}`, () =>
          toSignal(validate(GenericSignal, entry, 'Lumos signal', ['signals', index]), context),
        ),
      );
      return { items, list: 'signals' };
    }
    return { signals: [toSignal(validate(GenericSignal, body, 'Lumos signal'), context)] };
  },
};
