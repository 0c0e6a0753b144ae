import type { Incident, Priority, TimelineEntry } from '../../core/incident';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import type { Notifier } from '../../ports/notifier';
import { type Scheduler, timerId } from '../../ports/scheduler';
import { NotFoundError } from '../../shared/errors';
import type { GovernanceConfig } from '../governance-config';
import { ConflictError } from '../governance-errors';

/** An incident's SLA clock, kept on the incident (`agents.sla`) so people see it next to everything else. */
export interface SlaState {
  priority: Priority;
  startedAt: string;
  resolveSeconds: number;
  /** Resolution deadline; moves later by every pause. */
  resolveBy: string;
  status: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  pausedAt?: string;
  pausedSeconds: number;
  /** `by`: who paused it (`intake` when the ticket's status said it waits on the customer; absent: the API). */
  pauses: { from: string; to?: string; reason: string; by?: string }[];
  /** P1: page on-call when nothing progressed for this long. */
  noProgressSeconds?: number;
  /** The last time progress (or a resume) reset the no-progress clock. */
  progressBaseline?: string;
  pages: { kind: 'no-progress' | 'resolve'; at: string; recipient: string }[];
  breaches: { kind: 'no-progress' | 'resolve'; at: string }[];
}

export interface SlaDeps {
  store: IncidentStore;
  notifier: Notifier;
  audit: AuditTrail;
  scheduler: Scheduler;
  clock: Clock;
  config: GovernanceConfig;
}

/** What pausing and resuming a clock touch: no notifier and no configuration (intake holds only these). */
export type SlaPauseDeps = Pick<SlaDeps, 'store' | 'audit' | 'scheduler' | 'clock'>;

/** What starting a clock needs: it pages nobody. */
export type SlaStartDeps = Omit<SlaDeps, 'notifier'>;

export const resolveTimerId = (incidentId: string) => timerId('sla-resolve', incidentId);
export const progressTimerId = (incidentId: string) => timerId('sla-progress', incidentId);

const ENDED = new Set(['resolved', 'closed']);
/** Timeline entries that count as progress on an incident: people acting, actions executed, the source updating. */
const PROGRESS_TYPES = new Set([
  'plan.executed',
  'runbook.executed',
  'approval.decided',
  'incident.updated',
  'incident.resolved',
]);

export function isProgress(entry: TimelineEntry): boolean {
  return entry.actor.startsWith('human:') || PROGRESS_TYPES.has(entry.type);
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The latest progress on the incident, never earlier than the clock's baseline. */
export function lastProgressAt(incident: Incident, sla: SlaState): number {
  const baseline = Date.parse(sla.progressBaseline ?? sla.startedAt);
  return incident.timeline.filter(isProgress).reduce((latest, e) => Math.max(latest, Date.parse(e.at)), baseline);
}

async function save(
  deps: SlaPauseDeps,
  incidentId: string,
  sla: SlaState,
  entry?: Omit<TimelineEntry, 'at'>,
): Promise<void> {
  await deps.store.update(incidentId, {
    agents: { sla },
    ...(entry ? { append: [{ at: deps.clock.now().toISOString(), ...entry }] } : {}),
  });
}

async function arm(deps: SlaPauseDeps, incident: Incident, sla: SlaState): Promise<void> {
  await deps.scheduler.schedule({
    timerId: resolveTimerId(incident.incidentId),
    dueAt: new Date(sla.resolveBy),
    payload: { kind: 'sla-check', incidentId: incident.incidentId, clock: 'resolve' },
  });
  if (sla.noProgressSeconds) {
    await deps.scheduler.schedule({
      timerId: progressTimerId(incident.incidentId),
      dueAt: new Date(lastProgressAt(incident, sla) + sla.noProgressSeconds * 1000),
      payload: { kind: 'sla-check', incidentId: incident.incidentId, clock: 'no-progress' },
    });
  }
}

async function disarm(deps: SlaPauseDeps, incidentId: string): Promise<void> {
  await deps.scheduler.cancel(resolveTimerId(incidentId));
  await deps.scheduler.cancel(progressTimerId(incidentId));
}

async function load(deps: SlaPauseDeps, incidentId: string): Promise<Incident> {
  const incident = await deps.store.get(incidentId);
  if (!incident) throw new NotFoundError(`incident ${incidentId} does not exist`);
  return incident;
}

/**
 * Starts (or, after a priority change, restarts) an incident's SLA clock from when it was opened: the
 * priority's resolution target and, for P1, the no-progress clock. Starting it again unchanged does nothing.
 */
export async function startSlaClock(deps: SlaStartDeps, incidentId: string): Promise<SlaState | undefined> {
  const incident = await load(deps, incidentId);
  const priority = incident.triage?.priority ?? incident.priority;
  const existing = incident.agents.sla as SlaState | undefined;
  if (existing && existing.priority === priority) return existing;
  const stage = deps.config.sla[priority];
  if (!stage) return undefined;
  const startedAt = incident.createdAt;
  const pausedSeconds = existing?.pausedSeconds ?? 0;
  const trigger = stage.trigger?.kind === 'no-progress' ? stage.trigger : undefined;
  const sla: SlaState = {
    priority,
    startedAt,
    resolveSeconds: stage.resolveSeconds,
    resolveBy: iso(Date.parse(startedAt) + (stage.resolveSeconds + pausedSeconds) * 1000),
    status: existing?.status === 'paused' ? 'paused' : 'running',
    ...(existing?.pausedAt ? { pausedAt: existing.pausedAt } : {}),
    pausedSeconds,
    pauses: existing?.pauses ?? [],
    ...(trigger ? { noProgressSeconds: trigger.seconds } : {}),
    pages: existing?.pages ?? [],
    breaches: existing?.breaches ?? [],
  };
  await save(deps, incidentId, sla, {
    actor: 'sla',
    type: existing ? 'sla.restarted' : 'sla.started',
    summary: `${priority}: resolve by ${sla.resolveBy}${trigger ? `; on-call is paged after ${trigger.seconds} s without progress` : ''}`,
  });
  await deps.audit.append(incidentId, {
    type: 'sla.started',
    actor: 'system',
    summary: `${priority} SLA clock ${existing ? 'restarted' : 'started'}: resolve by ${sla.resolveBy}`,
    data: {
      priority,
      resolveBy: sla.resolveBy,
      noProgressSeconds: sla.noProgressSeconds ?? null,
      previousPriority: existing?.priority ?? null,
    },
  });
  if (sla.status === 'running') await arm(deps, { ...incident, agents: { ...incident.agents, sla } }, sla);
  return sla;
}

async function page(deps: SlaDeps, incident: Incident, kind: 'no-progress' | 'resolve', text: string): Promise<string> {
  const recipient = deps.config.onCall.recipient;
  await deps.notifier.send({
    channel: deps.config.onCall.channel,
    recipient,
    subject: `[${incident.triage?.priority ?? incident.priority}] SLA ${kind === 'resolve' ? 'breached' : 'alert: no progress'}: ${incident.title}`,
    text,
    incidentId: incident.incidentId,
    links: [
      {
        rel: 'incident',
        href: `${(process.env.PUBLIC_BASE_URL ?? '').replace(/\/$/, '')}/incidents/${incident.incidentId}`,
        method: 'GET',
      },
    ],
    data: { kind: `sla.${kind}`, incidentId: incident.incidentId },
  });
  return recipient;
}

/**
 * A timer fired. Re-checks everything before acting (timers are delivered at least once and may be early or
 * stale): a resolved incident's clock is met and stops; a paused clock waits for its resume; a deadline not yet
 * reached is re-armed. A breach is an escalation event (timeline + audit) with a page to on-call.
 */
export async function checkSla(deps: SlaDeps, incidentId: string, clock: 'resolve' | 'no-progress'): Promise<string> {
  const incident = await deps.store.get(incidentId);
  if (!incident) return 'unknown incident';
  const sla = incident.agents.sla as SlaState | undefined;
  if (!sla) return 'no clock';
  const now = deps.clock.now().getTime();
  if (ENDED.has(incident.status)) {
    if (sla.status === 'running' || sla.status === 'paused') {
      const met = now <= Date.parse(sla.resolveBy) && sla.breaches.every((b) => b.kind !== 'resolve');
      await save(
        deps,
        incidentId,
        { ...sla, status: met ? 'met' : 'breached' },
        {
          actor: 'sla',
          type: met ? 'sla.met' : 'sla.closed',
          summary: met ? `resolved within the ${sla.priority} target` : `resolved after the ${sla.priority} target`,
        },
      );
      await disarm(deps, incidentId);
    }
    return 'incident ended';
  }
  if (sla.status !== 'running') return `clock ${sla.status}`;

  if (clock === 'resolve') {
    if (now < Date.parse(sla.resolveBy)) {
      await arm(deps, incident, sla);
      return 're-armed';
    }
    if (sla.breaches.some((b) => b.kind === 'resolve')) return 'already breached';
    const recipient = await page(
      deps,
      incident,
      'resolve',
      `${incident.externalId} "${incident.title}" was not resolved within the ${sla.priority} target of ${sla.resolveSeconds} s (due ${sla.resolveBy}). Status: ${incident.status}.`,
    );
    const at = iso(now);
    await save(
      deps,
      incidentId,
      {
        ...sla,
        status: 'breached',
        breaches: [...sla.breaches, { kind: 'resolve', at }],
        pages: [...sla.pages, { kind: 'resolve', at, recipient }],
      },
      {
        actor: 'sla',
        type: 'sla.breached',
        summary: `${sla.priority} resolution target passed at ${sla.resolveBy}; paged ${recipient}`,
      },
    );
    await deps.audit.append(incidentId, {
      type: 'sla.breach',
      actor: 'system',
      summary: `resolution target breached; escalated to ${recipient}`,
      data: { kind: 'resolve', resolveBy: sla.resolveBy, recipient },
    });
    await deps.scheduler.cancel(progressTimerId(incidentId));
    return 'breached: paged on-call';
  }

  if (!sla.noProgressSeconds) return 'no progress clock';
  const due = lastProgressAt(incident, sla) + sla.noProgressSeconds * 1000;
  if (now < due) {
    await arm(deps, incident, sla);
    return 're-armed';
  }
  const minutes = Math.round((now - lastProgressAt(incident, sla)) / 1000);
  const recipient = await page(
    deps,
    incident,
    'no-progress',
    `${incident.externalId} "${incident.title}" (${sla.priority}) has had no progress for ${minutes} s (threshold ${sla.noProgressSeconds} s). Status: ${incident.status}. Please take a look.`,
  );
  const at = iso(now);
  // The next page comes after another full window without progress.
  const next: SlaState = {
    ...sla,
    progressBaseline: at,
    breaches: [...sla.breaches, { kind: 'no-progress', at }],
    pages: [...sla.pages, { kind: 'no-progress', at, recipient }],
  };
  await save(deps, incidentId, next, {
    actor: 'sla',
    type: 'sla.no_progress',
    summary: `no progress for ${sla.noProgressSeconds} s; paged ${recipient}`,
  });
  await deps.audit.append(incidentId, {
    type: 'sla.breach',
    actor: 'system',
    summary: `no progress for ${sla.noProgressSeconds} s; paged ${recipient}`,
    data: { kind: 'no-progress', thresholdSeconds: sla.noProgressSeconds, recipient },
  });
  await deps.scheduler.schedule({
    timerId: progressTimerId(incidentId),
    dueAt: new Date(now + sla.noProgressSeconds * 1000),
    payload: { kind: 'sla-check', incidentId, clock: 'no-progress' },
  });
  return 'no progress: paged on-call';
}

/** Stops the clock while the incident waits on the customer; the time paused does not count. */
export async function pauseSla(deps: SlaPauseDeps, incidentId: string, reason: string, by?: string): Promise<SlaState> {
  const incident = await load(deps, incidentId);
  const sla = incident.agents.sla as SlaState | undefined;
  if (!sla) throw new NotFoundError(`incident ${incidentId} has no SLA clock yet`);
  if (sla.status !== 'running') throw new ConflictError(`the SLA clock is ${sla.status}, not running`, 'not_running');
  const at = deps.clock.now().toISOString();
  const next: SlaState = {
    ...sla,
    status: 'paused',
    pausedAt: at,
    pauses: [...sla.pauses, { from: at, reason, ...(by ? { by } : {}) }],
  };
  await disarm(deps, incidentId);
  await save(deps, incidentId, next, { actor: 'sla', type: 'sla.paused', summary: `clock paused: ${reason}` });
  await deps.audit.append(incidentId, {
    type: 'sla.paused',
    actor: 'system',
    summary: `SLA clock paused: ${reason}`,
    data: by ? { reason, by } : { reason },
  });
  return next;
}

/** Restarts a paused clock; the deadline moves by the time paused, and the no-progress clock starts afresh. */
export async function resumeSla(deps: SlaPauseDeps, incidentId: string): Promise<SlaState> {
  const incident = await load(deps, incidentId);
  const sla = incident.agents.sla as SlaState | undefined;
  if (!sla) throw new NotFoundError(`incident ${incidentId} has no SLA clock yet`);
  if (sla.status !== 'paused' || !sla.pausedAt)
    throw new ConflictError(`the SLA clock is ${sla.status}, not paused`, 'not_paused');
  const now = deps.clock.now();
  const pausedFor = Math.max(0, Math.round((now.getTime() - Date.parse(sla.pausedAt)) / 1000));
  const { pausedAt: _p, ...rest } = sla;
  const next: SlaState = {
    ...rest,
    status: 'running',
    pausedSeconds: sla.pausedSeconds + pausedFor,
    resolveBy: iso(Date.parse(sla.resolveBy) + pausedFor * 1000),
    progressBaseline: now.toISOString(),
    pauses: sla.pauses.map((p, i) => (i === sla.pauses.length - 1 ? { ...p, to: now.toISOString() } : p)),
  };
  await save(deps, incidentId, next, {
    actor: 'sla',
    type: 'sla.resumed',
    summary: `clock resumed after ${pausedFor} s; resolve by ${next.resolveBy}`,
  });
  await deps.audit.append(incidentId, {
    type: 'sla.resumed',
    actor: 'system',
    summary: `SLA clock resumed after ${pausedFor} s`,
    data: { pausedFor, resolveBy: next.resolveBy },
  });
  await arm(deps, { ...incident, agents: { ...incident.agents, sla: next } }, next);
  return next;
}

/** Who pauses and resumes clocks from the ticket's own status. */
const TICKET_STATUS = 'intake';

/**
 * Keeps an incident's clock in step with its ticket: a ticket now waiting on the customer pauses a running clock
 * (with the reason), and a ticket no longer waiting resumes a clock that this paused. A clock paused through the
 * API stays paused until the API resumes it; one not yet started, already paused or ended is left alone, so a
 * repeated update changes nothing. Answers what it did.
 */
export async function followTicketWaiting(
  deps: SlaPauseDeps,
  incidentId: string,
  waitingOn: 'customer' | 'none' | undefined,
  reason: string,
): Promise<'paused' | 'resumed' | 'unchanged'> {
  if (!waitingOn) return 'unchanged';
  const incident = await deps.store.get(incidentId);
  const sla = incident?.agents.sla as SlaState | undefined;
  if (!sla) return 'unchanged';
  try {
    if (waitingOn === 'customer' && sla.status === 'running') {
      await pauseSla(deps, incidentId, reason, TICKET_STATUS);
      return 'paused';
    }
    if (waitingOn === 'none' && sla.status === 'paused' && sla.pauses.at(-1)?.by === TICKET_STATUS) {
      await resumeSla(deps, incidentId);
      return 'resumed';
    }
  } catch (error) {
    // A concurrent update (or the API) moved the clock first: it is already where this update wanted it.
    if (error instanceof ConflictError) return 'unchanged';
    throw error;
  }
  return 'unchanged';
}
