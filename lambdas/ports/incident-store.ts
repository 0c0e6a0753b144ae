import type { Incident, IncidentStatus, Priority, Source, TimelineEntry } from '../core/incident';

/** Statuses after which an incident no longer absorbs signals. */
export const CLOSED_STATUSES: readonly IncidentStatus[] = ['resolved', 'closed'];

export const isClosed = (status: IncidentStatus): boolean => CLOSED_STATUSES.includes(status);

/**
 * The idempotency record of one delivery (one signal of a delivery, strictly). `pending` while an attempt works on
 * it, `done` once its effect is stored, `failed` when an attempt gave up (a redelivery or replay may take it over).
 */
export interface DeliveryRecord {
  deliveryId: string;
  state: 'pending' | 'done' | 'failed';
  /** The incident the delivery affected, once known. */
  incidentId: string | null;
  /** The intake status it was answered with (`created`, `correlated`, ...), once done. */
  status?: string;
  claimedAt: string;
  attempts: number;
  error?: string;
}

/**
 * Outcome of claiming a delivery: the first claim wins; a claim on a `failed` record, or on a `pending` one whose
 * lease expired (its attempt died), takes it over. Everyone else learns the current record.
 */
export type DeliveryClaim = { claimed: true; attempt: number } | { claimed: false; record: DeliveryRecord };

export interface ClaimOptions {
  now: Date;
  /** How long a pending claim protects its attempt before another may take it over. */
  leaseSeconds: number;
  /** How long the record is kept (DynamoDB TTL). @default 30 days */
  ttlSeconds?: number;
}

/** Idempotency records that guard intake. */
export interface DeliveryLedger {
  /** Atomically claims `deliveryId` (conditional write); see {@link DeliveryClaim}. */
  claimDelivery(deliveryId: string, options: ClaimOptions): Promise<DeliveryClaim>;
  /** Marks the claim done with the incident and status it was answered with. */
  completeDelivery(deliveryId: string, outcome: { incidentId: string | null; status: string }): Promise<void>;
  /** Marks a pending claim failed, so the next redelivery or replay takes it over at once. */
  releaseDelivery(deliveryId: string, error: string): Promise<void>;
  getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined>;
}

/** One signal's membership in an incident (one per distinct fingerprint). */
export interface SignalMember {
  fingerprint: string;
  source: Source;
  externalId: string;
  title: string;
  /** The latest delivery about it. */
  deliveryId: string;
  /** `firing` until a recovery for the same fingerprint arrives. */
  state: 'firing' | 'recovered';
  firstSeenAt: string;
  lastSeenAt: string;
}

/** Which signals an incident holds and how many still fire; `open` is false once it was closed by recovery. */
export interface CorrelationRoster {
  open: boolean;
  members: number;
  firing: number;
  openedAt: string;
}

/** The incident that currently absorbs new signals about one service, until `endsAt`. */
export interface ServiceWindow {
  service: string;
  incidentId: string;
  openedAt: string;
  endsAt: string;
}

/** The locks claimed atomically with a new incident; if any is taken, nothing is written. */
export interface OpenClaims {
  member: SignalMember;
  /** Correlation keys (fingerprint first) that must not belong to another open incident. */
  pointers: string[];
  /** Opens (or takes over) the service window; `replaces` names a window holder known to be stale. */
  window?: { service: string; endsAt: string; replaces?: string };
  now: Date;
}

/** See {@link CorrelationStore.lookupKey}. */
export interface KeyState {
  open?: { incidentId: string; since: string };
  recoveredAt?: string;
}

export type OpenResult = { opened: true } | { opened: false; conflict: 'pointer' | 'window' | 'contention' };

export type AttachResult =
  /** `newMember` is false when the fingerprint was already a member (a re-fire or a repeat). */
  | { attached: true; newMember: boolean; previousDeliveryId?: string; roster: CorrelationRoster }
  /** The incident closed (or never had a roster): route again. */
  | { attached: false };

export type RecoverResult = { recovered: true; wasFiring: boolean; roster: CorrelationRoster } | { recovered: false };

/**
 * Correlation state kept next to the incidents, all guarded by conditional writes so concurrent intakes agree:
 * pointer items (`key -> open incident`), one service window per service, and per incident a roster of its
 * signals. Signals join incidents here; incidents close here when everything they hold has recovered.
 */
export interface CorrelationStore {
  /**
   * What a correlation key (a fingerprint or a group key) stands for, read consistently in one request: the
   * incident it points at, and when it last recovered while nothing was open for it (kept for a day).
   */
  lookupKey(key: string): Promise<KeyState>;
  /** Removes a pointer only if it still points at `incidentId` (stale pointers after a close). */
  dropPointer(key: string, incidentId: string): Promise<void>;
  getServiceWindow(service: string): Promise<ServiceWindow | undefined>;
  /** Removes the window only if `incidentId` still holds it. */
  closeServiceWindow(service: string, incidentId: string): Promise<void>;
  /** Creates the incident with its roster, first member, pointers and window in one atomic write. */
  openIncident(incident: Incident, claims: OpenClaims): Promise<OpenResult>;
  /**
   * Adds a firing signal to an open incident's roster (idempotent per fingerprint), records the member, points the
   * given keys at it where free, and slides the service window forward.
   */
  attachSignal(
    incidentId: string,
    member: SignalMember,
    options: { pointers: string[]; window?: { service: string; endsAt: string } },
  ): Promise<AttachResult>;
  /** Marks a member recovered (idempotent) and reports the roster after it. */
  recoverSignal(incidentId: string, fingerprint: string, at: string): Promise<RecoverResult>;
  /**
   * Closes the incident if (and only if) it is still open and nothing in it fires: the roster closes and the
   * incident is set resolved with the timeline entries, atomically. False when something fires again.
   */
  closeIfRecovered(incidentId: string, entries: TimelineEntry[]): Promise<boolean>;
  /** Raises the priority if the incident's is lower (P4 -> P2), never lowers it; false when nothing changed. */
  raisePriority(incidentId: string, priority: Priority, entry: TimelineEntry): Promise<boolean>;
  /**
   * Remembers that a fingerprint recovered at `at` while nothing was open for it, so a late or retried "firing"
   * delivery from before that moment does not open an incident that would never recover. Kept for a day.
   */
  noteRecovery(fingerprint: string, at: string): Promise<void>;
  getRoster(incidentId: string): Promise<CorrelationRoster | undefined>;
  listSignals(incidentId: string): Promise<SignalMember[]>;
}

/** A delivery that was accepted (archived) but could not be processed; `bin/replay.ts` re-drives it. */
export interface FailedDelivery {
  source: Source;
  /** `webhook` (route name = `/webhooks/<route>`) or `event` (route = the EventBridge `source`). */
  channel: 'webhook' | 'event';
  route: string;
  /** Stable key of the delivery (same on every retry). */
  deliveryKey: string;
  rawRef: string;
  receivedAt: string;
  failedAt: string;
  attempts: number;
  error: string;
}

/** The durable list of accepted-but-failed deliveries (the intake's dead-letter record). */
export interface FailedDeliveryStore {
  /** Creates or refreshes the record, counting attempts. */
  recordFailedDelivery(record: Omit<FailedDelivery, 'attempts'>): Promise<void>;
  listFailedDeliveries(options?: { source?: Source; limit?: number }): Promise<FailedDelivery[]>;
  clearFailedDelivery(source: Source, deliveryKey: string): Promise<void>;
}

/** What intake's outage lookups read of recent incidents. */
export const INCIDENT_HEAD_FIELDS = [
  'incidentId',
  'kind',
  'status',
  'service',
  'facts',
  'signals',
  'timeline',
  'createdAt',
  'updatedAt',
] as const satisfies readonly (keyof Incident)[];
export type IncidentHead = Pick<Incident, (typeof INCIDENT_HEAD_FIELDS)[number]>;

/** Persistence of incidents and of the idempotency, correlation and failure records that guard intake. */
export interface IncidentStore extends DeliveryLedger, CorrelationStore, FailedDeliveryStore {
  /** Creates the incident; fails with IncidentExistsError if the id is taken. */
  create(incident: Incident): Promise<void>;
  get(incidentId: string): Promise<Incident | undefined>;
  /** Newest first. */
  list(options?: { status?: IncidentStatus; limit?: number }): Promise<Incident[]>;
  /**
   * Newest first, only the {@link IncidentHead} fields: a cheap read of many incidents for intake's outage lookups
   * (no agent results, triage or knowledge). Read the one you pick with `get`.
   */
  listHeads(options?: { limit?: number }): Promise<IncidentHead[]>;
  /** Finds the open incident (not resolved/closed) whose primary fingerprint this is, if any. */
  findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined>;
  /**
   * Sets top-level fields and appends timeline entries in one atomic write, bumping `updatedAt`. Setting a closed
   * status also closes the incident's correlation roster, so later signals open a new incident.
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
