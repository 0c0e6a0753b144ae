import type { Incident, IncidentStatus } from '../../lambdas/core/incident';
import {
  type DeliveryClaim,
  type IncidentChanges,
  IncidentExistsError,
  IncidentNotFoundError,
  type IncidentStore,
} from '../../lambdas/ports/incident-store';

/** An in-memory IncidentStore with the same contract as the DynamoDB one, for unit tests of cores. */
export class MemoryIncidentStore implements IncidentStore {
  readonly incidents = new Map<string, Incident>();
  readonly deliveries = new Map<string, string | null>();

  async claimDelivery(deliveryId: string, incidentId: string | null): Promise<DeliveryClaim> {
    if (this.deliveries.has(deliveryId)) return { claimed: false, incidentId: this.deliveries.get(deliveryId) ?? null };
    this.deliveries.set(deliveryId, incidentId);
    return { claimed: true };
  }

  async create(incident: Incident): Promise<void> {
    if (this.incidents.has(incident.incidentId)) throw new IncidentExistsError(incident.incidentId);
    this.incidents.set(incident.incidentId, structuredClone(incident));
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const found = this.incidents.get(incidentId);
    return found ? structuredClone(found) : undefined;
  }

  async list(options: { status?: IncidentStatus; limit?: number } = {}): Promise<Incident[]> {
    return [...this.incidents.values()]
      .filter((i) => !options.status || i.status === options.status)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, options.limit ?? 50);
  }

  async findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    return [...this.incidents.values()].find((i) => i.fingerprint === fingerprint && !['resolved', 'closed'].includes(i.status));
  }

  async update(incidentId: string, changes: IncidentChanges): Promise<Incident> {
    const current = this.incidents.get(incidentId);
    if (!current) throw new IncidentNotFoundError(incidentId);
    const next: Incident = {
      ...current,
      ...(changes.set as Partial<Incident>),
      agents: { ...current.agents, ...changes.agents },
      timeline: [...current.timeline, ...(changes.append ?? [])],
      updatedAt: new Date().toISOString(),
    };
    this.incidents.set(incidentId, next);
    return structuredClone(next);
  }
}
