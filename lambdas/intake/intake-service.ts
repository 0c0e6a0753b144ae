import { executionName, newIncidentId, sha256Hex } from '../core/ids';
import type { Incident, Priority, Signal, Source, TimelineEntry } from '../core/incident';
import { sourcePriority } from '../core/priority-matrix';
import { followTicketWaiting, type SlaPauseDeps } from '../governance/sla/sla-clock';
import { syncFromTicket } from '../itsm/two-way-sync';
import type { Clock } from '../ports/clock';
import { type IncidentStore, isClosed, type OpenClaims, type SignalMember } from '../ports/incident-store';
import type { RawArchive } from '../ports/raw-archive';
import type { TopologySource } from '../ports/topology';
import type { Workflow } from '../ports/workflow';
import { TransientError } from '../shared/errors';
import { findEndedOutageIncident, findOutageIncident, type OutageMatch, outageIsLive } from './outage-correlation';
import { mergeLabels } from './prepare-signal';
import { type IntakeSettings, intakeSettings } from './settings';

export type IntakeStatus = 'created' | 'duplicate' | 'correlated' | 'updated' | 'resolved' | 'ignored';

export interface IntakeAnswer {
  incidentId: string | null;
  status: IntakeStatus;
  reason?: string;
  priority?: string;
  executionArn?: string;
  /** In a batch's `incidents` list: the entry's position in the body's list (`alerts`, `signals`). */
  index?: number;
}

export interface IntakeDeps {
  store: IncidentStore;
  workflow: Workflow;
  archive: RawArchive;
  clock: Clock;
  /** @default the process settings read from the environment */
  settings?: IntakeSettings;
  /** What pausing SLA clocks needs; without it a ticket waiting on the customer leaves the clock alone. */
  sla?: SlaPauseDeps;
  /**
   * The service graph: a signal joins the live incident of a service it depends on or that depends on it (one
   * outage, one incident). Without it, signals correlate by fingerprint, key and service only.
   */
  topology?: TopologySource;
}

/** Correlated signals beyond this many are counted on the incident, not listed one by one in its timeline. */
export const TIMELINE_SIGNAL_LIMIT = 20;
/** Beyond the listed ones, the incident's signal counts are refreshed every this many signals. */
const SUMMARY_EVERY = 25;
/** Routing retries when concurrent intakes race for the same locks; each retry re-reads what won. */
const MAX_ROUTING_ATTEMPTS = 12;
/** An incident whose opener has not started its workflow after this long gets it started by the next signal. */
const WORKFLOW_GRACE_MS = 60_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const errorMessage = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** The priority a signal implies before triage: what the source says, else a cautious P3 (P2 for alerts). */
export function signalPriority(signal: Signal): Priority {
  return sourcePriority(signal.severity)?.priority ?? (signal.kind === 'alert' ? 'P2' : 'P3');
}

/** The service-window key: one per canonical service, case-insensitive. */
export const serviceKey = (service: string): string => service.trim().toLowerCase();

/**
 * Stores the raw delivery before anything else, so an accepted delivery is never lost even if a later step fails.
 * The key is derived from the delivery, so a redelivery overwrites the same object rather than piling up copies.
 */
export async function archiveDelivery(
  archive: RawArchive,
  source: Source,
  deliveryKey: string,
  rawBody: string,
  receivedAt: Date,
  metadata: Record<string, string> = {},
): Promise<string> {
  const day = receivedAt.toISOString().slice(0, 10).replaceAll('-', '/');
  const key = `raw/${source}/${day}/${sha256Hex(deliveryKey)}.json`;
  // Object metadata travels as HTTP headers (S3: printable ASCII, 2 KB in all), and some values echo the sender.
  const meta = Object.fromEntries(
    Object.entries({ ...metadata, source, receivedAt: receivedAt.toISOString() }).map(([key, value]) => [
      key,
      value.replace(/[^\x20-\x7e]/g, '?').slice(0, key === 'dropped' ? 1024 : 200),
    ]),
  );
  // Two copies of one delivery arriving together write the same key; a brief retry rides out such collisions
  // and transient storage errors before the delivery is refused (503) for the sender to retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await archive.put(key, rawBody, meta);
    } catch (error) {
      if (attempt >= 3) throw error;
      await delay(20 * attempt * (0.5 + Math.random()));
    }
  }
}

function entry(deps: IntakeDeps, type: string, summary: string, data?: Record<string, unknown>): TimelineEntry {
  return { at: deps.clock.now().toISOString(), actor: 'intake', type, summary, ...(data ? { data } : {}) };
}

function memberOf(signal: Signal, at: string): SignalMember {
  return {
    fingerprint: signal.fingerprint,
    source: signal.source,
    externalId: signal.externalId,
    title: signal.title,
    deliveryId: signal.deliveryId,
    state: 'firing',
    firstSeenAt: at,
    lastSeenAt: at,
  };
}

/** The keys that route a signal to its open incident: its fingerprint first, then its group keys. */
const routingKeys = (signal: Signal): string[] => [...new Set([signal.fingerprint, ...(signal.correlationKeys ?? [])])];

function coalescesByService(signal: Signal, settings: IntakeSettings): boolean {
  return Boolean(
    signal.service &&
      signal.action !== 'resolve' &&
      settings.correlationWindowSeconds > 0 &&
      (settings.correlationKinds.includes(signal.kind) || settings.correlateAcrossKinds),
  );
}

/**
 * Whether a signal joins the incident holding its service's window: always when its kind coalesces, else only an
 * incident of the other kind (a ticket joins the alarm's outage; a second ticket keeps its own incident).
 */
const joinsHolder = (signal: Signal, holder: Incident, settings: IntakeSettings): boolean =>
  settings.correlationKinds.includes(signal.kind) || (settings.correlateAcrossKinds && holder.kind !== signal.kind);

function windowEnd(deps: IntakeDeps, settings: IntakeSettings): string {
  return new Date(deps.clock.now().getTime() + settings.correlationWindowSeconds * 1000).toISOString();
}

/**
 * Starts the incident's one workflow. The execution name comes from the delivery that opened the incident, so any
 * later attempt (a redelivery, a replay, a correlated signal healing a stalled start) names the same execution and
 * Step Functions starts it at most once.
 */
async function startWorkflow(deps: IntakeDeps, incident: Incident): Promise<string> {
  const name = executionName(incident.source, incident.openedByDelivery ?? incident.incidentId);
  const { executionArn, alreadyStarted } = await deps.workflow.start(name, {
    incidentId: incident.incidentId,
    source: incident.source,
    priority: incident.priority,
  });
  await deps.store.update(incident.incidentId, {
    set: { executionArn },
    append: alreadyStarted ? [] : [entry(deps, 'workflow.started', 'Agents assigned: workflow started')],
  });
  return executionArn;
}

async function ensureWorkflow(deps: IntakeDeps, incident: Incident): Promise<string | undefined> {
  if (incident.executionArn || isClosed(incident.status)) return incident.executionArn;
  return startWorkflow(deps, incident);
}

/**
 * Reads the routing keys in order until one points at an open incident; pointers to closed incidents are cleaned
 * up on the way. Also reports when the signal's own fingerprint last recovered with nothing open.
 */
async function lookupOpenIncident(
  store: IncidentStore,
  keys: string[],
): Promise<{ incident?: Incident; key?: string; recoveredAt?: string }> {
  let recoveredAt: string | undefined;
  for (const [index, key] of keys.entries()) {
    const state = await store.lookupKey(key);
    if (index === 0) recoveredAt = state.recoveredAt;
    if (!state.open) continue;
    const incident = await store.get(state.open.incidentId);
    if (incident && !isClosed(incident.status)) return { incident, key, recoveredAt };
    await store.dropPointer(key, state.open.incidentId);
  }
  return { recoveredAt };
}

function buildIncident(signal: Signal, incidentId: string, rawRef: string, now: string): Incident {
  const priority = signalPriority(signal);
  return {
    incidentId,
    source: signal.source,
    kind: signal.kind,
    externalId: signal.externalId,
    externalUrl: signal.externalUrl,
    fingerprint: signal.fingerprint,
    title: signal.title,
    description: signal.description,
    service: signal.service,
    reporter: signal.reporter,
    status: 'new',
    priority,
    severity: signal.severity,
    labels: signal.labels,
    agents: {},
    rawRef,
    openedByDelivery: signal.deliveryId,
    signals: { total: 1, firing: 1, lastAt: now },
    timeline: [
      {
        at: now,
        actor: 'intake',
        type: 'incident.created',
        summary: `Opened from ${signal.source} ${signal.externalId}: ${signal.title}`,
        data: { deliveryId: signal.deliveryId, initialPriority: priority, service: signal.service ?? null },
      },
    ],
    createdAt: now,
    updatedAt: now,
  };
}

async function openIncident(
  deps: IntakeDeps,
  signal: Signal,
  rawRef: string,
  window: OpenClaims['window'],
): Promise<IntakeAnswer | undefined> {
  const now = deps.clock.now();
  const incident = buildIncident(signal, newIncidentId(now), rawRef, now.toISOString());
  const opened = await deps.store.openIncident(incident, {
    member: memberOf(signal, now.toISOString()),
    pointers: routingKeys(signal),
    window,
    now,
  });
  if (!opened.opened) return undefined;
  const executionArn = await startWorkflow(deps, incident);
  return { incidentId: incident.incidentId, status: 'created', priority: incident.priority, executionArn };
}

/**
 * Joins an open incident; undefined when it closed meanwhile (the caller routes again). `slideWindow` moves the
 * service window's end forward when the caller found it due.
 */
async function attach(
  deps: IntakeDeps,
  signal: Signal,
  incident: Incident,
  why: string,
  slideWindow?: { service: string; endsAt: string },
): Promise<IntakeAnswer | undefined> {
  const now = deps.clock.now().toISOString();
  const result = await deps.store.attachSignal(incident.incidentId, memberOf(signal, now), {
    pointers: routingKeys(signal),
    window: slideWindow,
  });
  if (!result.attached) return undefined;
  const base = { incidentId: incident.incidentId, status: 'correlated' as const, reason: why };
  // This very delivery attached before (its first attempt died after the write): nothing more to record.
  if (result.previousDeliveryId === signal.deliveryId) return { ...base, priority: incident.priority };

  const { members, firing } = result.roster;
  const listed = members <= TIMELINE_SIGNAL_LIMIT;
  const append: TimelineEntry[] = [];
  if (listed) {
    append.push(
      entry(
        deps,
        result.newMember ? 'signal.correlated' : 'signal.refired',
        `${result.newMember ? 'Correlated' : 'Fired again:'} ${signal.source} ${signal.externalId}: ${signal.title}`,
        { deliveryId: signal.deliveryId, fingerprint: signal.fingerprint, why, service: signal.service ?? null },
      ),
    );
  } else if (members === TIMELINE_SIGNAL_LIMIT + 1 && result.newMember) {
    append.push(
      entry(
        deps,
        'signal.correlated',
        `More than ${TIMELINE_SIGNAL_LIMIT} signals correlated; further ones are counted, not listed`,
      ),
    );
  }
  if (append.length || members % SUMMARY_EVERY === 0) {
    await deps.store.update(incident.incidentId, { set: { signals: { total: members, firing, lastAt: now } }, append });
  }

  let priority = incident.priority;
  const implied = signalPriority(signal);
  if (implied < incident.priority) {
    const raised = await deps.store.raisePriority(
      incident.incidentId,
      implied,
      entry(
        deps,
        'priority.raised',
        `Priority ${incident.priority} -> ${implied}: ${signal.source} ${signal.externalId}`,
      ),
    );
    if (raised) priority = implied;
  }
  let executionArn = incident.executionArn;
  if (!executionArn && deps.clock.now().getTime() - Date.parse(incident.createdAt) > WORKFLOW_GRACE_MS) {
    executionArn = await ensureWorkflow(deps, incident);
  }
  return { ...base, priority, ...(executionArn ? { executionArn } : {}) };
}

/** A change to a ticket (or alert) Lumos already tracks: priority/status/text changes. */
async function applyUpdate(deps: IntakeDeps, signal: Signal, incident: Incident): Promise<IntakeAnswer> {
  const base = { incidentId: incident.incidentId, status: 'updated' as const };
  if (incident.fingerprint !== signal.fingerprint) {
    // A correlated member changed: note it, and let it raise (never lower) the incident's priority.
    const implied = sourcePriority(signal.severity)?.priority;
    const note = entry(deps, 'signal.updated', `${signal.source} updated ${signal.externalId}: ${signal.title}`);
    if (implied && implied < incident.priority) {
      await deps.store.raisePriority(incident.incidentId, implied, note);
      return { ...base, priority: implied };
    }
    await deps.store.update(incident.incidentId, { append: [note] });
    return { ...base, priority: incident.priority };
  }
  // Two-way sync (lambdas/itsm/two-way-sync): people's reassignments flow back; echoes of Lumos' writes are dropped.
  const sync = syncFromTicket(incident, signal, deps.clock.now());
  if (sync.echo) return { incidentId: incident.incidentId, status: 'ignored', reason: sync.reason };
  const fromSource = sourcePriority(signal.severity);
  const priorityChanged = fromSource && fromSource.priority !== incident.priority;
  await deps.store.update(incident.incidentId, {
    ...(sync.changes.agents ? { agents: sync.changes.agents } : {}),
    set: {
      title: signal.title,
      description: signal.description || incident.description,
      severity: Object.values(signal.severity).some((v) => v !== undefined) ? signal.severity : incident.severity,
      labels: mergeLabels(incident.labels, signal.labels),
      ...(signal.externalUrl ? { externalUrl: signal.externalUrl } : {}),
      ...(priorityChanged ? { priority: fromSource.priority } : {}),
    },
    append: [
      entry(
        deps,
        'incident.updated',
        priorityChanged
          ? `${signal.source} changed priority ${incident.priority} -> ${fromSource.priority}`
          : `${signal.source} updated ${signal.externalId}`,
        { deliveryId: signal.deliveryId, ...(signal.changeNote ? { note: signal.changeNote.slice(0, 500) } : {}) },
      ),
      ...(sync.changes.append ?? []),
    ],
  });
  // The SLA clock pauses while the ticket waits on the customer; a failure here fails the delivery so a retry pauses.
  if (deps.sla && signal.waitingOn) {
    const reason = `${signal.source} ${signal.externalId} is waiting on the customer${signal.labels.status ? ` (status ${signal.labels.status})` : ''}`;
    await followTicketWaiting(deps.sla, incident.incidentId, signal.waitingOn, reason);
  }
  return { ...base, priority: priorityChanged ? fromSource.priority : incident.priority };
}

/** A recovery: the member stops firing; when nothing in the incident fires any more, the incident is resolved. */
async function recover(deps: IntakeDeps, signal: Signal, incident: Incident): Promise<IntakeAnswer> {
  const now = deps.clock.now().toISOString();
  const id = incident.incidentId;
  const result = await deps.store.recoverSignal(id, signal.fingerprint, now);
  if (!result.recovered) {
    return {
      incidentId: id,
      status: 'ignored',
      reason: `recovery for ${signal.externalId}, which no longer fires in an open incident`,
    };
  }
  const { members, firing } = result.roster;
  if (firing === 0) {
    const summary =
      members > 1
        ? `All ${members} correlated signals recovered (last: ${signal.source} ${signal.externalId}); incident resolved`
        : `${signal.source} reported recovery: ${signal.title}`;
    const closed = await deps.store.closeIfRecovered(id, [
      entry(deps, 'incident.resolved', summary, { deliveryId: signal.deliveryId, signals: members }),
    ]);
    if (closed) {
      if (incident.service) await deps.store.closeServiceWindow(serviceKey(incident.service), id);
      for (const key of routingKeys(signal)) await deps.store.dropPointer(key, id);
      return { incidentId: id, status: 'resolved', priority: incident.priority };
    }
  }
  const stillFiring = Math.max(firing, 1);
  if (members <= TIMELINE_SIGNAL_LIMIT || firing % SUMMARY_EVERY === 0) {
    await deps.store.update(id, {
      set: { signals: { total: members, firing, lastAt: now } },
      append:
        members <= TIMELINE_SIGNAL_LIMIT && result.wasFiring
          ? [
              entry(
                deps,
                'signal.recovered',
                `${signal.source} ${signal.externalId} recovered; ${stillFiring} of ${members} still firing`,
              ),
            ]
          : [],
    });
  }
  return {
    incidentId: id,
    status: 'updated',
    priority: incident.priority,
    reason: `${signal.externalId} recovered; ${stillFiring} of ${members} correlated signals still firing`,
  };
}

/**
 * What the outage lookups read of the store, with the recent incidents' heads read at most once per routing
 * attempt: a ticket that joins no live outage is then checked against recently ended ones without a second read.
 */
function outageStore(store: IncidentStore): Pick<IncidentStore, 'listHeads' | 'get' | 'listSignals'> {
  let heads: ReturnType<IncidentStore['listHeads']> | undefined;
  return {
    listHeads: (options) => {
      heads ??= store.listHeads(options);
      return heads;
    },
    get: (incidentId) => store.get(incidentId),
    listSignals: (incidentId) => store.listSignals(incidentId),
  };
}

/** The live incident of a service linked to the signal's in the service graph, if any. */
async function outageOf(
  deps: IntakeDeps,
  store: Pick<IncidentStore, 'listHeads' | 'get' | 'listSignals'>,
  signal: Signal,
  settings: IntakeSettings,
): Promise<OutageMatch | undefined> {
  if (!deps.topology) return undefined;
  return findOutageIncident(signal, {
    store,
    topology: deps.topology,
    now: deps.clock.now(),
    windowSeconds: settings.correlationWindowSeconds,
  });
}

/** The alarm-born incident about the ticket's service that ended moments ago, if any (graph or not). */
async function endedOutageOf(
  deps: IntakeDeps,
  store: Pick<IncidentStore, 'listHeads' | 'get' | 'listSignals'>,
  signal: Signal,
  settings: IntakeSettings,
): Promise<Incident | undefined> {
  if (signal.kind !== 'ticket' || settings.correlationWindowSeconds <= 0 || !settings.correlateAcrossKinds)
    return undefined;
  return findEndedOutageIncident(signal, {
    store,
    ...(deps.topology ? { topology: deps.topology } : {}),
    now: deps.clock.now(),
    windowSeconds: settings.correlationWindowSeconds,
  });
}

/**
 * Links a ticket to the incident that already handled its outage: noted on the timeline once per ticket, with no
 * workflow of its own, so nothing is diagnosed or remediated a second time.
 */
async function linkToEnded(deps: IntakeDeps, signal: Signal, incident: Incident): Promise<IntakeAnswer> {
  const base = { incidentId: incident.incidentId, priority: incident.priority };
  const known = incident.timeline.some((e) => e.type === 'ticket.linked' && e.data?.fingerprint === signal.fingerprint);
  if (known) return { ...base, status: 'updated', reason: `${signal.externalId} is already linked to this incident` };
  const why = `the outage of ${signal.service} this ticket reports ended moments ago in this incident`;
  await deps.store.update(incident.incidentId, {
    append: [
      entry(
        deps,
        'ticket.linked',
        `Linked ${signal.source} ${signal.externalId} (reported after recovery): ${signal.title}`,
        {
          deliveryId: signal.deliveryId,
          fingerprint: signal.fingerprint,
          source: signal.source,
          externalId: signal.externalId,
          service: signal.service ?? null,
          why,
        },
      ),
    ],
  });
  return { ...base, status: 'correlated', reason: why };
}

/** Decides what one claimed signal does and does it; retries when concurrent intakes win a lock first. */
async function routeSignal(
  deps: IntakeDeps,
  signal: Signal,
  rawRef: string,
  settings: IntakeSettings,
): Promise<IntakeAnswer> {
  const keys = signal.action === 'resolve' ? [signal.fingerprint] : routingKeys(signal);
  for (let attempt = 0; attempt < MAX_ROUTING_ATTEMPTS; attempt++) {
    if (attempt > 0) await delay(Math.min(250, 5 * 2 ** attempt) * Math.random());
    const recent = outageStore(deps.store);
    const coalesces = coalescesByService(signal, settings) && signal.service ? serviceKey(signal.service) : undefined;
    // The service window is read alongside the keys: most signals of a storm are new and join through it.
    const [{ incident, key, recoveredAt }, held] = await Promise.all([
      lookupOpenIncident(deps.store, keys),
      coalesces ? deps.store.getServiceWindow(coalesces) : undefined,
    ]);
    if (incident && key) {
      if (signal.action === 'resolve') return recover(deps, signal, incident);
      if (signal.action === 'update' && key === signal.fingerprint) return applyUpdate(deps, signal, incident);
      if (incident.openedByDelivery === signal.deliveryId) {
        // This delivery opened the incident on an earlier attempt that died before it answered.
        const executionArn = await ensureWorkflow(deps, incident);
        return { incidentId: incident.incidentId, status: 'created', priority: incident.priority, executionArn };
      }
      if (signal.kind === 'alert' && !(await outageIsLive(deps.store, incident))) {
        // A ticket keeps the incident open after every alarm in it recovered: an alarm firing now is a new outage.
        await deps.store.dropPointer(key, incident.incidentId);
        continue;
      }
      const why = key === signal.fingerprint ? 'same fingerprint' : `same correlation key ${key}`;
      const joined = await attach(deps, signal, incident, why);
      if (joined) return joined;
      // Its roster closed (the outage recovered) even though a later step set another status: the key is stale.
      await deps.store.dropPointer(key, incident.incidentId);
      continue;
    }

    if (signal.action === 'resolve') {
      await deps.store.noteRecovery(signal.fingerprint, signal.occurredAt);
      return {
        incidentId: null,
        status: 'ignored',
        reason: `recovery for ${signal.externalId}, which has no open incident`,
      };
    }
    if (recoveredAt && signal.kind === 'alert' && Date.parse(signal.occurredAt) <= Date.parse(recoveredAt)) {
      return {
        incidentId: null,
        status: 'ignored',
        reason: `stale: ${signal.externalId} fired at ${signal.occurredAt} but already recovered at ${recoveredAt}`,
      };
    }

    let window: OpenClaims['window'];
    if (coalesces && signal.service) {
      const service = coalesces;
      const now = deps.clock.now().getTime();
      const endsAt = windowEnd(deps, settings);
      let keepsWindow = false;
      if (held && Date.parse(held.endsAt) >= now) {
        const holder = await deps.store.get(held.incidentId);
        // A signal that may not join (a second ticket) opens its own incident and leaves the window to its holder.
        if (holder && !isClosed(holder.status) && !joinsHolder(signal, holder, settings)) keepsWindow = true;
        else if (holder && !isClosed(holder.status) && (await outageIsLive(deps.store, holder))) {
          // Slide the window only when it moved by more than a minute: a storm writes it a few times, not per alert.
          const slide = Date.parse(held.endsAt) < Date.parse(endsAt) - 60_000 ? { service, endsAt } : undefined;
          const why = `same service ${signal.service} within ${settings.correlationWindowSeconds}s`;
          const joined = await attach(deps, signal, holder, why, slide);
          if (joined) return joined;
        }
      }
      if (!keepsWindow) window = { service, endsAt, replaces: held?.incidentId };
      const outage = keepsWindow ? undefined : await outageOf(deps, recent, signal, settings);
      if (outage && joinsHolder(signal, outage.incident, settings)) {
        const why = `one outage: ${signal.service} and ${outage.via} are linked in the service graph (${outage.distance} hop${outage.distance > 1 ? 's' : ''})`;
        const joined = await attach(deps, signal, outage.incident, why);
        if (joined) return joined;
        continue;
      }
    }
    const ended = await endedOutageOf(deps, recent, signal, settings);
    if (ended) return linkToEnded(deps, signal, ended);
    const created = await openIncident(deps, signal, rawRef, window);
    if (created) return created;
  }
  throw new TransientError(
    `correlation for ${signal.fingerprint} did not settle after ${MAX_ROUTING_ATTEMPTS} attempts (contention); retry`,
  );
}

/** A redelivery of something already claimed: waits briefly for a concurrent first attempt, then answers with it. */
async function answerDuplicate(
  deps: IntakeDeps,
  signal: Signal,
  settings: IntakeSettings,
  initial: { state: string; incidentId: string | null; status?: string },
): Promise<IntakeAnswer> {
  let record = initial;
  const deadline = Date.now() + settings.duplicateWaitMs;
  // Gentle polling: in a storm hundreds of duplicates wait at once, and each poll is a read of the store.
  for (let pause = 25; record.state === 'pending' && Date.now() < deadline; pause = Math.min(pause * 2, 500)) {
    await delay(pause);
    record = (await deps.store.getDelivery(signal.deliveryId)) ?? record;
  }
  const incident = record.incidentId
    ? await deps.store.get(record.incidentId)
    : record.state === 'pending'
      ? await incidentOpenedBy(deps.store, signal)
      : undefined;
  return {
    incidentId: incident?.incidentId ?? record.incidentId,
    status: 'duplicate',
    ...(incident ? { priority: incident.priority } : {}),
    ...(record.state === 'pending'
      ? { reason: 'the first delivery of this signal is still being processed' }
      : record.incidentId === null
        ? // Without an incident to point at, say what became of the first delivery (a recovery with nothing open, ...).
          { reason: `the first delivery of this signal was ${record.status ?? 'handled'} without an incident` }
        : {}),
  };
}

/**
 * The incident that this very delivery opened, when its attempt stored it but never finished (it is still running,
 * or the process died before it answered): a redelivery can then name the incident instead of nothing.
 */
async function incidentOpenedBy(store: IncidentStore, signal: Signal): Promise<Incident | undefined> {
  const { open } = await store.lookupKey(signal.fingerprint);
  if (!open) return undefined;
  const incident = await store.get(open.incidentId);
  return incident?.openedByDelivery === signal.deliveryId ? incident : undefined;
}

/** The answer for one signal plus which attempt produced it (attempt > 1: an earlier attempt had failed). */
export interface AcceptedSignal {
  answer: IntakeAnswer;
  attempt: number;
}

/**
 * Turns one signal into exactly one effect, idempotently and race-safely: the delivery is claimed first (a
 * conditional write), so the same delivery twice answers `duplicate`; then the signal attaches to the open incident
 * its fingerprint or group key points at (`correlated`/`updated`/`resolved`), or to the incident holding its
 * service's window, or opens a new incident under atomic locks and starts its one workflow (`created`). A failure
 * marks the claim failed so a redelivery or replay finishes the job under the same ids.
 */
export async function acceptSignalDetailed(deps: IntakeDeps, signal: Signal, rawRef: string): Promise<AcceptedSignal> {
  const settings = deps.settings ?? intakeSettings();
  const claim = await deps.store.claimDelivery(signal.deliveryId, {
    now: deps.clock.now(),
    leaseSeconds: settings.leaseSeconds,
  });
  if (!claim.claimed) return { answer: await answerDuplicate(deps, signal, settings, claim.record), attempt: 0 };
  try {
    const answer = await routeSignal(deps, signal, rawRef, settings);
    await deps.store.completeDelivery(signal.deliveryId, { incidentId: answer.incidentId, status: answer.status });
    return { answer, attempt: claim.attempt };
  } catch (error) {
    await deps.store.releaseDelivery(signal.deliveryId, errorMessage(error)).catch(() => undefined);
    throw error;
  }
}

/** {@link acceptSignalDetailed}, answer only. */
export async function acceptSignal(deps: IntakeDeps, signal: Signal, rawRef: string): Promise<IntakeAnswer> {
  return (await acceptSignalDetailed(deps, signal, rawRef)).answer;
}
