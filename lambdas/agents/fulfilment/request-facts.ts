import { type IncidentFacts, withOwningTeam } from '../../core/incident-facts';
import type { CatalogueItem } from './service-catalogue';

/**
 * The shared facts of a ticket the catalogue recognised as a request: the affected service is the one the item's
 * runbook acts on (a directory, a device fleet), whatever component the request's words happen to mention, and the
 * team that owns that service owns the request. Both changes say what they replaced and why. Unchanged when they
 * already agree, or when nobody is known to own the service.
 */
export function requestFacts(
  facts: IncidentFacts | undefined,
  item: Pick<CatalogueItem, 'id' | 'service'>,
  owner: string | undefined,
): IncidentFacts | undefined {
  const base: IncidentFacts = facts ?? { basis: {} };
  if (base.service === item.service && (!owner || base.owningTeam === owner)) return undefined;
  const was = base.service && base.service !== item.service ? `; was ${base.service}` : '';
  const withService: IncidentFacts = {
    ...base,
    service: item.service,
    basis: { ...base.basis, service: `catalogue item ${item.id} acts on ${item.service}${was}` },
  };
  return owner
    ? withOwningTeam(withService, owner, `catalogue item ${item.id}: ${owner} owns ${item.service}`)
    : withService;
}
