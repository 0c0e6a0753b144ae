import * as z from 'zod';

/**
 * The facts every agent and the plan share about one incident, decided once (by the Triage step, the owning team by
 * the Route step) and stored at the top level of the incident (`facts`). `basis` says where each fact came from, so
 * a person can see why Lumos believes it, and a later change can say what it replaced.
 */
export const IncidentFacts = z.object({
  /** The affected service or configuration item, as the service graph names it when the graph knows it. */
  service: z.string().optional(),
  environment: z.string().optional(),
  reporter: z.string().optional(),
  /** The team that owns the incident: routing decides it. */
  owningTeam: z.string().optional(),
  basis: z
    .object({
      service: z.string().optional(),
      owningTeam: z.string().optional(),
      environment: z.string().optional(),
    })
    .default({}),
});
export type IncidentFacts = z.infer<typeof IncidentFacts>;

/** A component of the service graph, as much of it as the facts need. */
export interface KnownComponent {
  readonly id: string;
  readonly name?: string;
  readonly aliases?: readonly string[];
  readonly owner?: string;
}

/** What facts are decided against: the service graph and the services governance knows (with their environment). */
export interface FactSources {
  readonly components?: readonly KnownComponent[];
  readonly services?: Readonly<Record<string, { readonly environment?: string }>>;
}

/** The parts of an incident the facts are read from. */
export interface FactInput {
  readonly source: string;
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly service?: string;
  readonly reporter?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Label keys that name the affected service, best first, with the words the basis uses for them. */
const SERVICE_LABELS: readonly (readonly [string, string])[] = [
  ['service', 'label service'],
  ['service_name', 'label service_name'],
  ['app', 'label app'],
  ['application', 'label application'],
  ['cmdb_ci', 'cmdb_ci'],
  ['component', 'label component'],
  ['job', 'label job'],
  ['namespace', 'label namespace'],
];
const ENVIRONMENT_LABELS = ['environment', 'env', 'stage', 'deployment_environment', 'tier'];

/** Where a source puts the affected service, in the words people know from that tool. */
const SOURCE_FIELD: Readonly<Record<string, string>> = {
  servicenow: 'cmdb_ci',
  cloudwatch: 'CloudWatch dimension',
  alertmanager: 'alert label service',
  grafana: 'alert label service',
  pagerduty: 'PagerDuty service',
  jira: 'Jira component',
  zendesk: 'Zendesk field',
  generic: 'signal service field',
};

const normal = (name: string) => name.trim().toLowerCase();

/** Looks names up in the service graph by id, alias or display name. */
class ComponentIndex {
  private readonly byKey = new Map<string, KnownComponent>();
  constructor(readonly components: readonly KnownComponent[]) {
    // Ids first, so an alias can never shadow another component's id.
    for (const c of components) this.byKey.set(normal(c.id), c);
    for (const c of components) {
      for (const alias of [...(c.aliases ?? []), ...(c.name ? [c.name] : [])]) {
        if (!this.byKey.has(normal(alias))) this.byKey.set(normal(alias), c);
      }
    }
  }
  find(name: string): KnownComponent | undefined {
    const key = normal(name);
    // CloudWatch names services `<namespace>:<dimension value>`: the value is the name.
    return this.byKey.get(key) ?? (key.includes(':') ? this.byKey.get(key.slice(key.lastIndexOf(':') + 1)) : undefined);
  }
  /** Components mentioned as whole words in a text, longest name first (so `checkout-api` beats `checkout`). */
  mentionedIn(text: string): KnownComponent | undefined {
    const padded = ` ${normal(text).replace(/[^a-z0-9._-]+/g, ' ')} `;
    const hits = [...this.byKey.entries()]
      .filter(([name]) => name.length >= 3 && padded.includes(` ${name} `))
      .sort((a, b) => b[0].length - a[0].length);
    return hits[0]?.[1];
  }
}

/** The names the source fields give for the affected service, each with where it came from. */
export function sourceServiceNames(incident: FactInput): { name: string; basis: string }[] {
  const names: { name: string; basis: string }[] = [];
  if (incident.service?.trim()) {
    const field = SOURCE_FIELD[incident.source] ?? `${incident.source} service field`;
    const viaMap = incident.labels.serviceAlias ? ` (service map from '${incident.labels.serviceAlias}')` : '';
    names.push({ name: incident.service.trim(), basis: `${field}${viaMap}` });
  }
  for (const [key, basis] of SERVICE_LABELS) {
    const value = incident.labels[key]?.trim();
    if (value && !names.some((n) => normal(n.name) === normal(value))) names.push({ name: value, basis });
  }
  return names;
}

/**
 * Decides the affected service, environment and reporter of an incident. The service comes from the source's own
 * fields (ServiceNow cmdb_ci, alert labels, CloudWatch dimensions) when one of them names a component the service
 * graph or governance knows; else from a whole-word mention of a known component in the title, then the
 * description; else the source's first name as given. A mention in the text can only ever select a component the
 * graph already holds, so the text cannot invent a target. The owning team is left to routing.
 */
export function decideFacts(incident: FactInput, sources: FactSources = {}): IncidentFacts {
  const index = new ComponentIndex(sources.components ?? []);
  const governed = sources.services ?? {};
  const named = sourceServiceNames(incident);

  let service: string | undefined;
  let serviceBasis: string | undefined;
  for (const candidate of named) {
    const known = index.find(candidate.name);
    if (known) {
      service = known.id;
      serviceBasis =
        normal(known.id) === normal(candidate.name) ? candidate.basis : `${candidate.basis} '${candidate.name}'`;
      break;
    }
    if (governed[candidate.name]) {
      service = candidate.name;
      serviceBasis = candidate.basis;
      break;
    }
  }
  if (!service) {
    for (const [field, text] of [
      ['title', incident.title],
      ['description', incident.description],
    ] as const) {
      const mentioned = index.mentionedIn(text);
      if (mentioned) {
        service = mentioned.id;
        serviceBasis = `topology match in the ${field}`;
        break;
      }
    }
  }
  if (!service && named[0]) {
    service = named[0].name;
    serviceBasis = `${named[0].basis} (not in the service graph)`;
  }

  let environment: string | undefined;
  let environmentBasis: string | undefined;
  for (const key of ENVIRONMENT_LABELS) {
    const value = incident.labels[key]?.trim();
    if (value) {
      environment = value;
      environmentBasis = `label ${key}`;
      break;
    }
  }
  if (!environment && service && governed[service]?.environment) {
    environment = governed[service].environment;
    environmentBasis = `governance service ${service}`;
  }

  return {
    ...(service ? { service } : {}),
    ...(environment ? { environment } : {}),
    ...(incident.reporter ? { reporter: incident.reporter } : {}),
    basis: {
      ...(serviceBasis ? { service: serviceBasis } : {}),
      ...(environmentBasis ? { environment: environmentBasis } : {}),
    },
  };
}

/** The owner the service graph records for the affected service, if any: routing weighs it. */
export function serviceOwner(
  facts: IncidentFacts | undefined,
  components: readonly KnownComponent[],
): string | undefined {
  if (!facts?.service) return undefined;
  return new ComponentIndex(components).find(facts.service)?.owner;
}

/**
 * The facts with the owning team routing decided. A change of an owning team already set says what it replaced and
 * why, so the ticket's history explains every reassignment.
 */
export function withOwningTeam(facts: IncidentFacts | undefined, team: string, because: string): IncidentFacts {
  const base: IncidentFacts = facts ?? { basis: {} };
  const previous = base.owningTeam && base.owningTeam !== team ? `; was ${base.owningTeam}` : '';
  return { ...base, owningTeam: team, basis: { ...base.basis, owningTeam: `${because}${previous}` } };
}
