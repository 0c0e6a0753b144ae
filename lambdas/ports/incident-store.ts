import type { Incident, IncidentStatus, TimelineEntry } from '../core/incident';

/** Outcome of claiming a delivery: the first claim wins, later claims learn which incident it made. */
export type DeliveryClaim = { claimed: true } | { claimed: false; incidentId: string | null };

/** Persistence of incidents and of the idempotency records that guard intake. */
export interface IncidentStore {
  /** Atomically records that `deliveryId` was seen and maps it to `incidentId`; never overwrites. */
  claimDelivery(deliveryId: string, incidentId: string | null, ttlSeconds?: number): Promise<DeliveryClaim>;
  /** Creates the incident; fails with IncidentExistsError if the id is taken. */
  create(incident: Incident): Promise<void>;
  get(incidentId: string): Promise<Incident | undefined>;
  /** Newest first. */
  list(options?: { status?: IncidentStatus; limit?: number }): Promise<Incident[]>;
  /** Finds the open incident (not resolved/closed) that owns a fingerprint, if any. */
  findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined>;
  /**
   * Sets top-level fields and appends timeline entries in one atomic write, bumping `updatedAt`.
   * Fails with IncidentNotFoundError when the incident does not exist.
   */
  update(incidentId: string, changes: IncidentChanges): Promise<Incident>;
}

export interface IncidentChanges {
  set?: Partial<Omit<Incident, 'incidentId' | 'timeline' | 'createdAt' | 'agents'>>;
  /** Merged into `agents` key by key (each agent owns its key). */
  agents?: Record<string, unknown>;
  append?: TimelineEntry[];
}

export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} does not exist`);
  }
}

export class IncidentExistsError extends Error {
  override readonly name = 'IncidentExistsError';
  constructor(readonly incidentId: string) {
    super(`incident ${incidentId} already exists`);
  }
}
