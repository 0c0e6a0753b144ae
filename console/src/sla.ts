/** The SLA state the governance clock keeps on an incident (`agents.sla`); only the fields the console reads. */
export interface SlaView {
  priority?: string;
  startedAt?: string;
  resolveBy: string;
  resolveSeconds?: number;
  status: 'running' | 'paused' | 'met' | 'breached' | 'stopped';
  pausedAt?: string;
  pauses?: { from: string; to?: string; reason: string }[];
  breaches?: { kind: string; at: string }[];
  noProgressSeconds?: number;
}

/**
 * Resolution targets by priority when an incident carries no SLA clock of its own (the operating model's
 * defaults: P1 1 h, P2 4 h, P3 8 h, P4 24 h; P5 is planned work, 5 days).
 */
export const DEFAULT_RESOLVE_SECONDS: Record<string, number> = {
  P1: 3600,
  P2: 14_400,
  P3: 28_800,
  P4: 86_400,
  P5: 432_000,
};

export type ClockState = 'ok' | 'warning' | 'breached' | 'paused' | 'met' | 'stopped';

/** What an SLA clock shows at `now`. */
export interface ClockReading {
  state: ClockState;
  /** Seconds left (negative once breached); frozen while paused. */
  remaining: number;
  /** Share of the target used, 0..1+ (for the bar). */
  used: number;
  deadline: string;
  /** The resolution target in seconds. */
  target: number;
  /** `agents.sla` (the governance clock) or `default` (derived from the priority). */
  basis: 'clock' | 'default';
}

const CLOSED = new Set(['resolved', 'closed']);

/**
 * Reads an incident's SLA clock: the governance clock when it has one, else the default target for its priority
 * from when it opened. Below a fifth of the target left it warns; a paused clock stands still.
 */
export function readClock(
  incident: {
    priority: string;
    status: string;
    createdAt: string;
    updatedAt: string;
    agents?: Record<string, unknown>;
  },
  now: number,
): ClockReading {
  const sla = incident.agents?.sla as SlaView | undefined;
  if (sla?.resolveBy) {
    const target = sla.resolveSeconds ?? DEFAULT_RESOLVE_SECONDS[sla.priority ?? incident.priority] ?? 28_800;
    const reference = sla.status === 'paused' && sla.pausedAt ? Date.parse(sla.pausedAt) : now;
    const remaining = (Date.parse(sla.resolveBy) - reference) / 1000;
    let state: ClockState;
    if (sla.status === 'met' || sla.status === 'stopped') state = sla.status;
    else if (sla.status === 'paused') state = 'paused';
    else if (sla.status === 'breached' || remaining < 0) state = 'breached';
    else state = remaining < target / 5 ? 'warning' : 'ok';
    return { state, remaining, used: 1 - remaining / target, deadline: sla.resolveBy, target, basis: 'clock' };
  }
  const target = DEFAULT_RESOLVE_SECONDS[incident.priority] ?? 28_800;
  const deadlineMs = Date.parse(incident.createdAt) + target * 1000;
  const closed = CLOSED.has(incident.status);
  const reference = closed ? Date.parse(incident.updatedAt) : now;
  const remaining = (deadlineMs - reference) / 1000;
  let state: ClockState;
  if (closed) state = remaining >= 0 ? 'met' : 'breached';
  else if (remaining < 0) state = 'breached';
  else state = remaining < target / 5 ? 'warning' : 'ok';
  return {
    state,
    remaining,
    used: 1 - remaining / target,
    deadline: new Date(deadlineMs).toISOString(),
    target,
    basis: 'default',
  };
}
