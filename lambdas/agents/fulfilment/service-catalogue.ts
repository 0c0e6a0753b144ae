import { readFileSync } from 'node:fs';
import * as z from 'zod';
import bundled from '../../../catalogue/service-catalogue.json';

/**
 * Where a variable's value comes from: a structured field of the incident (`incident.reporter`, `incident.service`,
 * `incident.externalId`), a label (`label:<name>`), or `choice`: a fixed list of options named in the ticket.
 */
const Variable = z
  .object({
    from: z
      .string()
      .regex(
        /^(incident\.(reporter|service|externalId)|label:[A-Za-z0-9_.-]+|choice)$/,
        'expected incident.reporter, incident.service, incident.externalId, label:<name> or choice',
      ),
    /** Anchored (`^...$`): a field's value must match it entirely. Not for `choice`. */
    pattern: z
      .string()
      .regex(/^\^.*\$$/, 'patterns must be anchored: ^...$')
      .optional(),
    /** For `choice`: option value -> the words that name it in a ticket. The value, never the words, reaches the runbook. */
    options: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/), z.array(z.string().min(2)).min(1)).optional(),
    description: z.string().default(''),
    required: z.boolean().default(true),
  })
  .superRefine((variable, ctx) => {
    if (variable.from === 'choice' && !variable.options)
      ctx.addIssue({ code: 'custom', message: 'a choice needs options', path: ['options'] });
    if (variable.from !== 'choice' && !variable.pattern)
      ctx.addIssue({ code: 'custom', message: 'a field needs a pattern', path: ['pattern'] });
  });
export type CatalogueVariable = z.infer<typeof Variable>;

const Item = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string().min(1),
  /** The runbook id (`runbooks/<id>.yaml`) that fulfils the item. */
  runbook: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** The governance service the runbook acts on: its domain, environment, change windows and targets apply. */
  service: z.string().min(1),
  match: z.object({
    /** Triage categories in which a matching ticket counts as this request even without a request type. */
    categories: z.array(z.string()).default([]),
    phrases: z.array(z.string().min(3)).min(1),
  }),
  variables: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/), Variable),
  /** The reply to the requester once fulfilled; `{{variable}}` placeholders are filled with resolved values. */
  reply: z.string().min(1),
});
export type CatalogueItem = z.infer<typeof Item>;

export const ServiceCatalogue = z.object({
  description: z.string().optional(),
  /** Ticket types (Jira issue type, Zendesk type, ServiceNow category) that mark a ticket as a request; lower case. */
  requestTypes: z.array(z.string()).default([]),
  items: z.array(Item).min(1),
});
export type ServiceCatalogue = z.infer<typeof ServiceCatalogue>;

export class ServiceCatalogueError extends Error {
  override readonly name = 'ServiceCatalogueError';
}

/** Parses and validates a catalogue, naming every offending field. */
export function parseServiceCatalogue(raw: unknown, where = 'service catalogue'): ServiceCatalogue {
  const parsed = ServiceCatalogue.safeParse(raw);
  if (!parsed.success) throw new ServiceCatalogueError(`${where} is invalid:\n${z.prettifyError(parsed.error)}`);
  const ids = parsed.data.items.map((i) => i.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new ServiceCatalogueError(`${where}: item id '${twice}' is used twice`);
  return parsed.data;
}

let cached: ServiceCatalogue | undefined;

/** The process's catalogue: `LUMOS_SERVICE_CATALOGUE_FILE` if set, else the bundled `catalogue/service-catalogue.json`. */
export function serviceCatalogue(env: NodeJS.ProcessEnv = process.env): ServiceCatalogue {
  if (!cached) {
    const file = env.LUMOS_SERVICE_CATALOGUE_FILE?.trim();
    cached = file
      ? parseServiceCatalogue(JSON.parse(readFileSync(file, 'utf8')), file)
      : parseServiceCatalogue(bundled, 'catalogue/service-catalogue.json');
  }
  return cached;
}

/** Forgets the loaded catalogue (tests). */
export function resetServiceCatalogue(): void {
  cached = undefined;
}
