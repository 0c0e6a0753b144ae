import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The estate definition (`estate/estate.yaml`): services, their versions and deploy history, dependencies, teams and
 * on-call, log formats, and the governance the estate runs under. Everything else (running services, topology,
 * governance overrides, teams, knowledge, logs) is derived from it.
 */

/** The definition file is missing, not YAML, or breaks the schema (the message names every offending field). */
export class EstateDefinitionError extends Error {
  override readonly name = 'EstateDefinitionError';
}

/** `-45m`, `-3h`, `-2d`, or an ISO date. */
const RelativeOrIsoTime = z
  .string()
  .regex(/^(-\d+(\.\d+)?[mhd]|\d{4}-\d{2}-\d{2}T.+)$/, 'a relative time like -3h or an ISO date');
const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const LogFormat = z.enum(['json', 'access', 'java', 'syslog']);
export type LogFormat = z.infer<typeof LogFormat>;

/** Edge kinds whose target being unhealthy degrades the dependent. */
export const HARD_DEPENDENCY_KINDS = new Set(['calls', 'reads', 'writes', 'queries']);

const Deploy = z.object({
  version: z.union([z.string(), z.number()]).transform(String),
  at: RelativeOrIsoTime,
  by: z.string().min(1),
  change: z.string().min(1),
});

const Team = z.object({
  skills: z.array(z.string().min(1)).default([]),
  /** Open incidents before the team counts as full. */
  capacity: z.number().int().min(1).optional(),
  hours: z.object({
    days: z.array(Weekday).min(1),
    from: z.string().regex(/^\d{2}:\d{2}$/),
    to: z.string().regex(/^\d{2}:\d{2}$/),
    timezone: z.string().default('UTC'),
  }),
  members: z.array(z.email()).min(1),
  onCall: z.array(z.email()).optional(),
});
export type EstateTeam = z.infer<typeof Team>;

const Service = z.object({
  description: z.string().default(''),
  kind: z.string().default('service'),
  team: z.string().min(1),
  domain: z.string().min(1),
  environment: z.string().optional(),
  criticality: z.enum(['high', 'medium', 'low']).default('medium'),
  aliases: z.array(z.string()).default([]),
  logFormat: LogFormat,
  alerting: z.enum(['alertmanager', 'cloudwatch']),
  replicas: z.number().int().min(1).default(2),
  deploys: z.array(Deploy).min(1),
  featureFlags: z.record(z.string(), z.boolean()).default({}),
  connections: z.object({ max: z.number().int().min(1) }).default({ max: 100 }),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  disk: z.object({ usedPercent: z.number().min(0).max(100) }).default({ usedPercent: 42 }),
  certificate: z.object({ daysLeft: z.number() }).default({ daysLeft: 180 }),
  dependsOn: z.array(z.object({ id: z.string().min(1), kind: z.string().default('calls') })).default([]),
  /** identity-directory only: the accounts it starts with. */
  users: z
    .record(z.string(), z.object({ groups: z.array(z.string()).default([]), locked: z.boolean().default(false) }))
    .optional(),
  /** device-fleet only: the devices it manages and the approved software list. */
  devices: z.record(z.string(), z.object({ owner: z.string(), software: z.array(z.string()).default([]) })).optional(),
  approvedSoftware: z.array(z.string()).optional(),
});
export type EstateServiceDefinition = z.infer<typeof Service>;

const Component = z.object({
  id: z.string().min(1),
  kind: z.string().min(1),
  team: z.string().min(1),
  criticality: z.enum(['high', 'medium', 'low']).default('medium'),
  dependents: z.array(z.string()).default([]),
});

const Change = z.object({
  id: z.string().min(1),
  component: z.string().min(1),
  at: RelativeOrIsoTime,
  kind: z.string().min(1),
  summary: z.string().min(1),
  by: z.string().min(1),
  risk: z.enum(['high', 'medium', 'low']).default('low'),
});

export const EstateDefinition = z
  .object({
    name: z.string().min(1),
    environment: z.string().min(1),
    teams: z.record(z.string(), Team),
    /** People's ids per ITSM tool (`servicenow`, `jira`, `zendesk`). */
    people: z.record(z.email(), z.record(z.string(), z.string())).default({}),
    services: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), Service),
    components: z.array(Component).default([]),
    changes: z.array(Change).default([]),
    governance: z
      .object({
        domains: z.record(z.string(), z.object({ autonomy: z.string() })).default({}),
        /** Governance overrides applied when the estate runs for drills or `LUMOS_ESTATE=1 npm start`. */
        drill: z.record(z.string(), z.unknown()).default({}),
      })
      .default({ domains: {}, drill: {} }),
  })
  .superRefine((estate, ctx) => {
    const names = new Set([...Object.keys(estate.services), ...estate.components.map((c) => c.id)]);
    for (const [name, service] of Object.entries(estate.services)) {
      if (!estate.teams[service.team])
        ctx.addIssue({ code: 'custom', path: ['services', name, 'team'], message: `unknown team '${service.team}'` });
      for (const [i, dependency] of service.dependsOn.entries()) {
        if (!names.has(dependency.id))
          ctx.addIssue({
            code: 'custom',
            path: ['services', name, 'dependsOn', i, 'id'],
            message: `unknown service '${dependency.id}'`,
          });
      }
    }
    for (const [i, component] of estate.components.entries()) {
      if (!estate.teams[component.team])
        ctx.addIssue({ code: 'custom', path: ['components', i, 'team'], message: `unknown team '${component.team}'` });
    }
    const cycle = findCycle(estate.services);
    if (cycle) ctx.addIssue({ code: 'custom', path: ['services'], message: `dependency cycle: ${cycle.join(' -> ')}` });
  });
export type EstateDefinition = z.infer<typeof EstateDefinition>;

/** Health propagates along hard dependencies, so they must form a DAG. */
function findCycle(services: Record<string, { dependsOn: { id: string }[] }>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    if (state.get(name) === 'visiting') return [...path, name];
    if (state.get(name) === 'done' || !services[name]) return undefined;
    state.set(name, 'visiting');
    for (const dependency of services[name].dependsOn) {
      const found = visit(dependency.id, [...path, name]);
      if (found) return found;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const name of Object.keys(services)) {
    const found = visit(name, []);
    if (found) return found;
  }
  return undefined;
}

/** The default definition file. */
export const DEFAULT_ESTATE_FILE = join(__dirname, 'estate.yaml');

/** Parses and validates an estate definition. */
export function parseEstateDefinition(text: string, file = 'estate definition'): EstateDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new EstateDefinitionError(`${file} is not YAML: ${(error as Error).message}`);
  }
  const parsed = EstateDefinition.safeParse(raw);
  if (!parsed.success) throw new EstateDefinitionError(`${file} is invalid:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Reads the estate definition (default `estate/estate.yaml`). */
export function loadEstateDefinition(file = DEFAULT_ESTATE_FILE): EstateDefinition {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EstateDefinitionError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseEstateDefinition(text, file);
}

/** The services that depend on `name`, directly or through others (hard dependencies only). */
export function dependentsOf(estate: EstateDefinition, name: string): string[] {
  const found = new Set<string>();
  const queue = [name];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const [service, definition] of Object.entries(estate.services)) {
      if (found.has(service)) continue;
      if (definition.dependsOn.some((d) => d.id === current && HARD_DEPENDENCY_KINDS.has(d.kind))) {
        found.add(service);
        queue.push(service);
      }
    }
  }
  return [...found];
}

/** Resolves `-45m` / `-3h` / `-2d` against `now`; ISO dates pass through. */
export function resolveTime(at: string, now: Date): string {
  const relative = /^-(\d+(?:\.\d+)?)([mhd])$/.exec(at);
  if (!relative) return new Date(at).toISOString();
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
  return new Date(now.getTime() - Number(relative[1]) * unit).toISOString();
}
