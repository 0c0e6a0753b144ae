import { executionName, newIncidentId, sha256Hex } from '../core/ids';
import type { Incident, Signal, Source } from '../core/incident';
import { sourcePriority } from '../core/priority-matrix';
import type { Clock } from '../ports/clock';
import type { IncidentStore } from '../ports/incident-store';
import type { RawArchive } from '../ports/raw-archive';
import type { Workflow } from '../ports/workflow';

export type IntakeStatus = 'created' | 'duplicate' | 'correlated' | 'updated' | 'resolved' | 'ignored';

export interface IntakeAnswer {
  incidentId: string | null;
  status: IntakeStatus;
  reason?: string;
  priority?: string;
  executionArn?: string;
}

export interface IntakeDeps {
  store: IncidentStore;
  workflow: Workflow;
  archive: RawArchive;
  clock: Clock;
}

/** The priority an incident starts with, before triage: what the source says, else a cautious P3 (P2 for alerts). */
function initialPriority(signal: Signal) {
  return sourcePriority(signal.severity)?.priority ?? (signal.kind === 'alert' ? 'P2' : 'P3');
}

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
): Promise<string> {
  const day = receivedAt.toISOString().slice(0, 10).replaceAll('-', '/');
  return archive.put(`raw/${source}/${day}/${sha256Hex(deliveryKey)}.json`, rawBody, {
    source,
    receivedAt: receivedAt.toISOString(),
  });
}

async function startWorkflow(deps: IntakeDeps, incident: Incident, deliveryId: string): Promise<string> {
  const { executionArn } = await deps.workflow.start(executionName(incident.source, deliveryId), {
    incidentId: incident.incidentId,
    source: incident.source,
    priority: incident.priority,
  });
  await deps.store.update(incident.incidentId, {
    set: { executionArn },
    append: [
      {
        at: deps.clock.now().toISOString(),
        actor: 'intake',
        type: 'workflow.started',
        summary: 'Agents assigned: workflow started',
      },
    ],
  });
  return executionArn;
}

async function createIncident(
  deps: IntakeDeps,
  signal: Signal,
  incidentId: string,
  rawRef: string,
): Promise<IntakeAnswer> {
  const now = deps.clock.now().toISOString();
  const priority = initialPriority(signal);
  const incident: Incident = {
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
    timeline: [
      {
        at: now,
        actor: 'intake',
        type: 'incident.created',
        summary: `Opened from ${signal.source} ${signal.externalId}: ${signal.title}`,
        data: { deliveryId: signal.deliveryId, initialPriority: priority },
      },
    ],
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.create(incident);
  const executionArn = await startWorkflow(deps, incident, signal.deliveryId);
  return { incidentId, status: 'created', priority, executionArn };
}

/** Applies a signal about something Lumos already tracks: correlate, update or resolve. */
async function applyToExisting(deps: IntakeDeps, signal: Signal, existing: Incident): Promise<IntakeAnswer> {
  const at = deps.clock.now().toISOString();
  const base = { incidentId: existing.incidentId, priority: existing.priority };
  switch (signal.action) {
    case 'resolve':
      await deps.store.update(existing.incidentId, {
        set: { status: 'resolved' },
        append: [
          {
            at,
            actor: 'intake',
            type: 'incident.resolved',
            summary: `${signal.source} reported recovery: ${signal.title}`,
          },
        ],
      });
      return { ...base, status: 'resolved' };
    case 'update': {
      const fromSource = sourcePriority(signal.severity);
      const priorityChanged = fromSource && fromSource.priority !== existing.priority;
      await deps.store.update(existing.incidentId, {
        set: {
          title: signal.title,
          description: signal.description,
          severity: signal.severity,
          labels: { ...existing.labels, ...signal.labels },
          ...(priorityChanged ? { priority: fromSource.priority } : {}),
        },
        append: [
          {
            at,
            actor: 'intake',
            type: 'incident.updated',
            summary: priorityChanged
              ? `${signal.source} changed priority ${existing.priority} -> ${fromSource.priority}`
              : `${signal.source} updated ${signal.externalId}`,
          },
        ],
      });
      return { ...base, status: 'updated', priority: priorityChanged ? fromSource.priority : existing.priority };
    }
    case 'create':
      await deps.store.update(existing.incidentId, {
        append: [
          {
            at,
            actor: 'intake',
            type: 'signal.correlated',
            summary: `Correlated ${signal.source} signal: ${signal.title}`,
          },
        ],
      });
      return { ...base, status: 'correlated' };
  }
}

/**
 * Turns one signal into exactly one effect on the incident store, idempotently: the delivery is claimed first (a
 * conditional write), so the same delivery twice answers `duplicate` and starts nothing. If an earlier attempt died
 * between claim and workflow start, the redelivery finishes the job under the same ids instead of losing it.
 */
export async function acceptSignal(deps: IntakeDeps, signal: Signal, rawRef: string): Promise<IntakeAnswer> {
  const existing = await deps.store.findOpenByFingerprint(signal.fingerprint);
  const targetId = existing?.incidentId ?? newIncidentId(deps.clock.now());
  const claim = await deps.store.claimDelivery(signal.deliveryId, targetId);

  if (!claim.claimed) {
    const claimedId = claim.incidentId;
    const incident = claimedId ? await deps.store.get(claimedId) : undefined;
    if (claimedId && !incident && signal.action !== 'resolve') {
      return createIncident(deps, signal, claimedId, rawRef);
    }
    if (incident && !incident.executionArn && incident.status === 'new') {
      const executionArn = await startWorkflow(deps, incident, signal.deliveryId);
      return { incidentId: incident.incidentId, status: 'duplicate', priority: incident.priority, executionArn };
    }
    return { incidentId: claimedId, status: 'duplicate', priority: incident?.priority };
  }

  if (existing) return applyToExisting(deps, signal, existing);
  if (signal.action === 'resolve') {
    return {
      incidentId: null,
      status: 'ignored',
      reason: `recovery for ${signal.externalId}, which has no open incident`,
    };
  }
  return createIncident(deps, signal, targetId, rawRef);
}
