import type { Incident } from '../core/incident';

/** Label keys monitoring tools and ITSMs use for the affected service, in order of preference. */
const SERVICE_LABELS = ['service', 'service_name', 'app', 'application', 'job', 'component', 'cmdb_ci', 'namespace'];

/**
 * The names the affected service goes by in an incident, best first: the shared facts' service (decided once at
 * triage, so every agent looks at the same one), the normalized `service`, then service-like labels. Agents try them
 * in order against their own catalogue (log groups, topology nodes).
 */
export function serviceCandidates(
  incident: Pick<Incident, 'service' | 'labels'> & Partial<Pick<Incident, 'facts'>>,
): string[] {
  const names = [incident.facts?.service, incident.service, ...SERVICE_LABELS.map((key) => incident.labels[key])]
    .filter((name): name is string => typeof name === 'string' && name.trim().length > 0)
    .map((name) => name.trim());
  return [...new Set(names)];
}
