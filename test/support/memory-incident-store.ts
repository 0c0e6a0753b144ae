import type { Incident, IncidentStatus, Priority, Source, TimelineEntry } from '../../lambdas/core/incident';
import {
  type AttachResult,
  type ClaimOptions,
  type CorrelationRoster,
  type DeliveryClaim,
  type DeliveryRecord,
  type FailedDelivery,
  INCIDENT_HEAD_FIELDS,
  type IncidentChanges,
  IncidentExistsError,
  type IncidentHead,
  IncidentNotFoundError,
  type IncidentStore,
  isClosed,
  type KeyState,
  type OpenClaims,
  type OpenResult,
  type RecoverResult,
  type ServiceWindow,
  type SignalMember,
} from '../../lambdas/ports/incident-store';

interface Roster {
  open: boolean;
  members: Set<string>;
  firing: Set<string>;
  openedAt: string;
}

export interface MemoryStoreOptions {
  /**
   * Each call first waits a random 0..latencyMs (as a network round trip would), so concurrent callers interleave
   * between calls the way they do against DynamoDB. Every call is atomic after that wait, like one conditional write.
   */
  latencyMs?: number;
}

const summary = (roster: Roster): CorrelationRoster => ({
  open: roster.open,
  members: roster.members.size,
  firing: roster.firing.size,
  openedAt: roster.openedAt,
});

/** An in-memory IncidentStore with the same contract as the DynamoDB one, for unit tests of cores. */
export class MemoryIncidentStore implements IncidentStore {
  readonly incidents = new Map<string, Incident>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  readonly pointers = new Map<string, { incidentId: string; since: string }>();
  readonly windows = new Map<string, ServiceWindow>();
  readonly rosters = new Map<string, Roster>();
  readonly members = new Map<string, Map<string, SignalMember>>();
  readonly failed = new Map<string, FailedDelivery>();
  readonly recoveries = new Map<string, string>();
  /** Counts calls per method, for tests that assert how much work a path does. */
  readonly calls = new Map<string, number>();

  constructor(private readonly options: MemoryStoreOptions = {}) {}

  private async enter(method: string): Promise<void> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    const latency = this.options.latencyMs ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * latency));
    else await Promise.resolve();
  }

  async claimDelivery(deliveryId: string, options: ClaimOptions): Promise<DeliveryClaim> {
    await this.enter('claimDelivery');
    const existing = this.deliveries.get(deliveryId);
    const now = options.now.toISOString();
    if (!existing) {
      this.deliveries.set(deliveryId, { deliveryId, state: 'pending', incidentId: null, claimedAt: now, attempts: 1 });
      return { claimed: true, attempt: 1 };
    }
    const leaseOver = Date.parse(existing.claimedAt) + options.leaseSeconds * 1000 < options.now.getTime();
    if (existing.state === 'failed' || (existing.state === 'pending' && leaseOver)) {
      const attempts = existing.attempts + 1;
      this.deliveries.set(deliveryId, { ...existing, state: 'pending', claimedAt: now, attempts });
      return { claimed: true, attempt: attempts };
    }
    return { claimed: false, record: { ...existing } };
  }

  async completeDelivery(deliveryId: string, outcome: { incidentId: string | null; status: string }): Promise<void> {
    await this.enter('completeDelivery');
    const existing = this.deliveries.get(deliveryId);
    if (existing) this.deliveries.set(deliveryId, { ...existing, ...outcome, state: 'done', error: undefined });
  }

  async releaseDelivery(deliveryId: string, error: string): Promise<void> {
    await this.enter('releaseDelivery');
    const existing = this.deliveries.get(deliveryId);
    if (existing?.state === 'pending') this.deliveries.set(deliveryId, { ...existing, state: 'failed', error });
  }

  async getDelivery(deliveryId: string): Promise<DeliveryRecord | undefined> {
    await this.enter('getDelivery');
    const found = this.deliveries.get(deliveryId);
    return found ? { ...found } : undefined;
  }

  async create(incident: Incident): Promise<void> {
    await this.enter('create');
    if (this.incidents.has(incident.incidentId)) throw new IncidentExistsError(incident.incidentId);
    this.incidents.set(incident.incidentId, structuredClone(incident));
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    await this.enter('get');
    const found = this.incidents.get(incidentId);
    return found ? structuredClone(found) : undefined;
  }

  async listHeads(options: { limit?: number } = {}): Promise<IncidentHead[]> {
    await this.enter('listHeads');
    return [...this.incidents.values()]
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, options.limit ?? 50)
      .map((i) => structuredClone(Object.fromEntries(INCIDENT_HEAD_FIELDS.map((f) => [f, i[f]])) as IncidentHead));
  }

  async list(options: { status?: IncidentStatus; limit?: number } = {}): Promise<Incident[]> {
    await this.enter('list');
    return [...this.incidents.values()]
      .filter((i) => !options.status || i.status === options.status)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, options.limit ?? 50)
      .map((i) => structuredClone(i));
  }

  async findOpenByFingerprint(fingerprint: string): Promise<Incident | undefined> {
    await this.enter('findOpenByFingerprint');
    const found = [...this.incidents.values()].find((i) => i.fingerprint === fingerprint && !isClosed(i.status));
    return found ? structuredClone(found) : undefined;
  }

  async update(incidentId: string, changes: IncidentChanges): Promise<Incident> {
    await this.enter('update');
    return this.applyUpdate(incidentId, changes);
  }

  private applyUpdate(incidentId: string, changes: IncidentChanges): Incident {
    const current = this.incidents.get(incidentId);
    if (!current) throw new IncidentNotFoundError(incidentId);
    const set = Object.fromEntries(Object.entries(changes.set ?? {}).filter(([, v]) => v !== undefined));
    const next: Incident = {
      ...current,
      ...(set as Partial<Incident>),
      agents: { ...current.agents, ...changes.agents },
      timeline: [...current.timeline, ...(changes.append ?? [])],
      updatedAt: new Date().toISOString(),
    };
    this.incidents.set(incidentId, next);
    if (isClosed(next.status)) {
      const roster = this.rosters.get(incidentId);
      if (roster) roster.open = false;
    }
    return structuredClone(next);
  }

  async lookupKey(key: string): Promise<KeyState> {
    await this.enter('lookupKey');
    const open = this.pointers.get(key);
    const recoveredAt = this.recoveries.get(key);
    return { ...(open ? { open: { ...open } } : {}), ...(recoveredAt ? { recoveredAt } : {}) };
  }

  async dropPointer(key: string, incidentId: string): Promise<void> {
    await this.enter('dropPointer');
    if (this.pointers.get(key)?.incidentId === incidentId) this.pointers.delete(key);
  }

  async getServiceWindow(service: string): Promise<ServiceWindow | undefined> {
    await this.enter('getServiceWindow');
    const found = this.windows.get(service);
    return found ? { ...found } : undefined;
  }

  async closeServiceWindow(service: string, incidentId: string): Promise<void> {
    await this.enter('closeServiceWindow');
    if (this.windows.get(service)?.incidentId === incidentId) this.windows.delete(service);
  }

  async openIncident(incident: Incident, claims: OpenClaims): Promise<OpenResult> {
    await this.enter('openIncident');
    if (this.incidents.has(incident.incidentId)) throw new IncidentExistsError(incident.incidentId);
    if (claims.pointers.some((key) => this.pointers.has(key))) return { opened: false, conflict: 'pointer' };
    if (claims.window) {
      const held = this.windows.get(claims.window.service);
      const free =
        !held || Date.parse(held.endsAt) < claims.now.getTime() || held.incidentId === claims.window.replaces;
      if (!free) return { opened: false, conflict: 'window' };
    }
    const at = claims.now.toISOString();
    this.incidents.set(incident.incidentId, structuredClone(incident));
    this.rosters.set(incident.incidentId, {
      open: true,
      members: new Set([claims.member.fingerprint]),
      firing: new Set(claims.member.state === 'firing' ? [claims.member.fingerprint] : []),
      openedAt: at,
    });
    this.members.set(incident.incidentId, new Map([[claims.member.fingerprint, { ...claims.member }]]));
    for (const key of claims.pointers) this.pointers.set(key, { incidentId: incident.incidentId, since: at });
    if (claims.window) {
      this.windows.set(claims.window.service, {
        service: claims.window.service,
        incidentId: incident.incidentId,
        openedAt: at,
        endsAt: claims.window.endsAt,
      });
    }
    return { opened: true };
  }

  async attachSignal(
    incidentId: string,
    member: SignalMember,
    options: { pointers: string[]; window?: { service: string; endsAt: string } },
  ): Promise<AttachResult> {
    await this.enter('attachSignal');
    const roster = this.rosters.get(incidentId);
    if (!roster?.open) return { attached: false };
    const newMember = !roster.members.has(member.fingerprint);
    roster.members.add(member.fingerprint);
    roster.firing.add(member.fingerprint);
    const members = this.members.get(incidentId) ?? new Map<string, SignalMember>();
    const previous = members.get(member.fingerprint);
    members.set(member.fingerprint, { ...member, firstSeenAt: previous?.firstSeenAt ?? member.firstSeenAt });
    this.members.set(incidentId, members);
    for (const key of options.pointers) {
      if (!this.pointers.has(key)) this.pointers.set(key, { incidentId, since: member.lastSeenAt });
    }
    const window = options.window ? this.windows.get(options.window.service) : undefined;
    if (window && options.window && window.incidentId === incidentId && window.endsAt < options.window.endsAt) {
      window.endsAt = options.window.endsAt;
    }
    return { attached: true, newMember, previousDeliveryId: previous?.deliveryId, roster: summary(roster) };
  }

  async recoverSignal(incidentId: string, fingerprint: string, at: string): Promise<RecoverResult> {
    await this.enter('recoverSignal');
    const roster = this.rosters.get(incidentId);
    if (!roster?.open || !roster.members.has(fingerprint)) return { recovered: false };
    const wasFiring = roster.firing.delete(fingerprint);
    const member = this.members.get(incidentId)?.get(fingerprint);
    if (member) Object.assign(member, { state: 'recovered', lastSeenAt: at });
    return { recovered: true, wasFiring, roster: summary(roster) };
  }

  async closeIfRecovered(incidentId: string, entries: TimelineEntry[]): Promise<boolean> {
    await this.enter('closeIfRecovered');
    const roster = this.rosters.get(incidentId);
    if (!roster?.open || roster.firing.size > 0) return false;
    roster.open = false;
    this.applyUpdate(incidentId, { set: { status: 'resolved' }, append: entries });
    return true;
  }

  async raisePriority(incidentId: string, priority: Priority, entry: TimelineEntry): Promise<boolean> {
    await this.enter('raisePriority');
    const current = this.incidents.get(incidentId);
    if (!current || current.priority <= priority) return false;
    this.applyUpdate(incidentId, { set: { priority }, append: [entry] });
    return true;
  }

  async noteRecovery(fingerprint: string, at: string): Promise<void> {
    await this.enter('noteRecovery');
    const known = this.recoveries.get(fingerprint);
    if (!known || known < at) this.recoveries.set(fingerprint, at);
  }

  async getRoster(incidentId: string): Promise<CorrelationRoster | undefined> {
    await this.enter('getRoster');
    const roster = this.rosters.get(incidentId);
    return roster ? summary(roster) : undefined;
  }

  async listSignals(incidentId: string): Promise<SignalMember[]> {
    await this.enter('listSignals');
    return [...(this.members.get(incidentId)?.values() ?? [])].map((m) => ({ ...m }));
  }

  async recordFailedDelivery(record: Omit<FailedDelivery, 'attempts'>): Promise<void> {
    await this.enter('recordFailedDelivery');
    const key = `${record.source}#${record.deliveryKey}`;
    const attempts = (this.failed.get(key)?.attempts ?? 0) + 1;
    this.failed.set(key, { ...record, attempts });
  }

  async listFailedDeliveries(options: { source?: Source; limit?: number } = {}): Promise<FailedDelivery[]> {
    await this.enter('listFailedDeliveries');
    return [...this.failed.values()]
      .filter((f) => !options.source || f.source === options.source)
      .slice(0, options.limit ?? 100)
      .map((f) => ({ ...f }));
  }

  async clearFailedDelivery(source: Source, deliveryKey: string): Promise<void> {
    await this.enter('clearFailedDelivery');
    this.failed.delete(`${source}#${deliveryKey}`);
  }
}
